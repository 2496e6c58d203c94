using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// <see cref="JourneyStore"/> checkpoints (the host's <c>journeys</c> section, saved with the tracker's
/// <c>sales-cycles</c> section): a store restored mid-stream, with interners that give the dimension
/// values other ids and an engine that numbers breakdown slots differently, continues exactly as an
/// uninterrupted one; bad checkpoints are refused with a message a person can act on.
/// </summary>
/// <remarks>
/// Driven through a <see cref="FunnelStream.Engine.FunnelEngine"/> built as the worker builds it. Only the
/// store and the tracker are checkpointed; each restored store gets a fresh engine whose watermark is
/// brought to the checkpointed one (see <see cref="JourneyRig"/>), over a stream without duplicates or
/// late events, so the engine's own state does not change what the store sees.
/// </remarks>
public sealed class JourneyStoreCheckpointTests
{
    private static readonly IReadOnlyList<JourneyEvent> Events = JourneyStream.Generate(seed: 6, journeys: 140);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JourneyStore_RestoredMidStream_ContinuesExactlyAsUninterrupted(bool trackerWindows)
    {
        (RigStep[] steps, RigStep final) = RestartComparison.RunUninterrupted(Events, trackerWindows);
        AssertStreamExercisesEverything(steps, final, trackerWindows);

        int n = Events.Count;
        var cuts = new SortedSet<int> { 0, 1, 2, n - 1, n };
        for (int cut = 23; cut < n; cut += 23)
            cuts.Add(cut);
        // Right after the first window close, the first full pass, the first eviction and the first expiration.
        cuts.Add(Array.FindIndex(steps, s => s.Closes.Length > 0) + 1);
        cuts.Add(Array.FindIndex(steps, s => s.Pass) + 1);
        cuts.Add(Array.FindIndex(steps, s => s.Evictions > 0) + 1);
        cuts.Add(Array.FindIndex(steps, s => s.Expirations > 0) + 1);

        // Right before each repeated lead or won: an earlier one moves the cycle of a restored journey.
        cuts.UnionWith(JourneyStream.Repeats(Events, "lead", "won"));

        foreach (int cut in cuts)
            RestartComparison.RunWithRestarts(Events, trackerWindows, [cut], steps, final);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JourneyStore_RestoredRepeatedly_ContinuesExactlyAsUninterrupted(bool trackerWindows)
    {
        // Each restored store is checkpointed again: breakdowns restored by value are written by value again.
        (RigStep[] steps, RigStep final) = RestartComparison.RunUninterrupted(Events, trackerWindows);
        int n = Events.Count;
        RestartComparison.RunWithRestarts(Events, trackerWindows, [n / 5, 2 * n / 5, 2 * n / 5 + 1, 3 * n / 5, 4 * n / 5], steps, final);
    }

    [Fact]
    public void JourneyStore_RestoredAfterTheTableShrank_ReportsTheSameBytesAndContinuesAlike()
    {
        // Driven through the store's own API: 3,000 journeys grow the table past its first 1,024 rows,
        // then most expire; the table keeps its capacity, and so must the restored one
        // (funnel_journey_store_bytes). Journeys also move cohorts after the restore.
        var options = new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), CohortSize = TimeSpan.FromMinutes(10), ScanInterval = TimeSpan.Zero, AllowedLateness = TimeSpan.Zero };
        var a = new JourneyStore(FunnelDefinition.Default, options);
        long t0 = JourneyRig.T0.ToUnixTimeMilliseconds();
        int click = FunnelDefinition.Default.IndexOf("click"), lead = FunnelDefinition.Default.IndexOf("lead");
        for (ulong j = 1; j <= 3_000; j++)
            a.Observe(j, click, t0 + (long)j * 1_000);
        a.Expire(t0 + 3_000_000 + 3_600_000); // journeys 1..~1000 expire
        Assert.InRange(a.Count, 1, 2_999);
        var buffer = new ArrayBufferWriter<byte>();
        a.WriteCheckpoint(buffer);
        var c = new JourneyStore(FunnelDefinition.Default, options);

        c.ReadCheckpoint(buffer.WrittenSpan, a.CheckpointVersion);

        Assert.Equal(a.EstimatedBytes, c.EstimatedBytes);
        Assert.Equal(JourneyRig.Describe(a.Snapshot), JourneyRig.Describe(c.Snapshot));
        foreach (JourneyStore store in new[] { a, c })
        {
            for (ulong j = 2_000; j <= 3_500; j += 7)
            {
                store.Observe(j, lead, t0 + (long)j * 1_000 + 60_000);
                store.Observe(j, click, t0 + (long)j * 1_000 - 30_000); // an earlier click: the journey moves cohort
            }
            store.Expire(t0 + 3_000_000 + 4_000_000);
            store.PublishSnapshot(t0 + 3_000_000 + 4_000_000, endOfInput: true);
        }
        Assert.Equal(JourneyRig.Describe(a.Snapshot), JourneyRig.Describe(c.Snapshot));
        Assert.Equal((a.Count, a.EstimatedBytes), (c.Count, c.EstimatedBytes));
    }

    [Fact]
    public void JourneyStore_RestoredAtTheCap_EvictsTheSameJourneys()
    {
        // 64 journeys active in the same second fill the store; the next one evicts two, chosen by row
        // position among equals, so the restored rows must keep their order. Which two went shows in the
        // cohorts: an evicted journey's later lead starts a new journey instead of converting click → lead.
        var options = new JourneyOptions { MaxJourneys = 64, ScanInterval = TimeSpan.Zero, AllowedLateness = TimeSpan.Zero };
        var a = new JourneyStore(FunnelDefinition.Default, options);
        long t0 = JourneyRig.T0.ToUnixTimeMilliseconds();
        int click = FunnelDefinition.Default.IndexOf("click"), lead = FunnelDefinition.Default.IndexOf("lead");
        for (ulong j = 1; j <= 64; j++)
            a.Observe(j, click, t0);
        var buffer = new ArrayBufferWriter<byte>();
        a.WriteCheckpoint(buffer);
        var c = new JourneyStore(FunnelDefinition.Default, options);
        c.ReadCheckpoint(buffer.WrittenSpan, a.CheckpointVersion);

        foreach (JourneyStore store in new[] { a, c })
        {
            store.Observe(65, click, t0 + 1_000);
            foreach (ulong j in new ulong[] { 3, 63, 64 })
                store.Observe(j, lead, t0 + 2_000);
            store.PublishSnapshot(t0 + 3_000, endOfInput: true);
        }

        Assert.True(a.Evictions >= 2);
        Assert.Equal(a.Evictions, c.Evictions);
        Assert.Equal(JourneyRig.Describe(a.Snapshot), JourneyRig.Describe(c.Snapshot));
    }

    [Fact]
    public void ReadCheckpoint_StoreThatSawEvents_ThrowsInvalidOperation()
    {
        JourneyRig source = RigAfter(100);
        JourneyRig used = RigAfter(1);

        var e = Assert.Throws<InvalidOperationException>(() => used.Store.ReadCheckpoint(Section(source.Store), 1));

        Assert.Contains("freshly built", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_UnknownVersion_ThrowsInvalidDataNamingIt()
    {
        JourneyRig source = RigAfter(100);
        var target = new JourneyRig();

        var e = Assert.Throws<InvalidDataException>(() => target.Store.ReadCheckpoint(Section(source.Store), 2));

        Assert.Contains("format 2", e.Message);
        Assert.Contains("reads 1", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_OtherConfiguration_ThrowsInvalidDataNamingEachDifference()
    {
        JourneyRig source = RigAfter(100);
        JourneyOptions options = JourneyRig.StoreOptions();
        var target = new JourneyRig(new JourneyOptions
        {
            ConversionWindow = TimeSpan.FromDays(2),
            CohortSize = options.CohortSize,
            TimeToConvertBucketsSeconds = [60, 3_600],
            SalesCycleBucketsSeconds = options.SalesCycleBucketsSeconds,
            AllowedLateness = options.AllowedLateness,
            MaxJourneys = options.MaxJourneys,
        });

        var e = Assert.Throws<InvalidDataException>(() => target.Restore(source.Checkpoint(100)));

        Assert.Contains("'journeys'", e.Message);
        Assert.Contains("FunnelStream:Journeys:ConversionWindow was 1.00:00:00, is 2.00:00:00 now", e.Message);
        Assert.Contains("FunnelStream:Journeys:TimeToConvertBucketsSeconds was 60,600,3600,21600,86400, is 60,3600 now", e.Message);
        Assert.DoesNotContain("CohortSize", e.Message);
        Assert.Contains("Restore the configuration it was written with, or start from fresh state", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_StoreWithoutSalesCycleTracker_ThrowsInvalidDataNamingIt()
    {
        JourneyRig source = RigAfter(100);
        var target = new JourneyStore(FunnelDefinition.Default, JourneyRig.StoreOptions());

        var e = Assert.Throws<InvalidDataException>(() => target.ReadCheckpoint(Section(source.Store), 1));

        Assert.Contains("sales-cycle tracker was attached, is none now", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_MoreJourneysThanTheCapNow_ThrowsInvalidDataNamingMaxJourneys()
    {
        JourneyRig source = RigAfter(200);
        Assert.True(source.Store.Count > 10);
        var target = new JourneyRig(JourneyRig.StoreOptions(maxJourneys: 10));

        var e = Assert.Throws<InvalidDataException>(() => target.Store.ReadCheckpoint(Section(source.Store), 1));

        Assert.Contains($"holds {source.Store.Count} journeys, more than FunnelStream:Journeys:MaxJourneys (10)", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_TruncatedAnywhere_ThrowsInvalidDataAndLeavesTheStoreFresh()
    {
        JourneyRig source = RigAfter(300);
        byte[] section = Section(source.Store);
        var target = new JourneyRig();

        for (int length = 0; length < section.Length; length++)
            Assert.Throws<InvalidDataException>(() => target.Store.ReadCheckpoint(section.AsSpan(0, length), 1));
        Assert.Throws<InvalidDataException>(() => target.Store.ReadCheckpoint([.. section, 0], 1));

        // Nothing was applied: the whole checkpoint still restores, to the same state.
        target.Tracker.ReadCheckpoint(Section(source.Tracker), 1);
        target.Store.ReadCheckpoint(section, 1);
        Assert.Equal(source.View(source.Engine.Watermark), target.View(source.Engine.Watermark));
    }

    [Fact]
    public void ReadCheckpoint_CorruptFields_ThrowsNothingButInvalidData()
    {
        JourneyRig source = RigAfter(300);
        byte[] section = Section(source.Store);
        // Every int32 field in turn set to -1 (an impossible count, hash, flag or time): refused or, where
        // the value is possible, accepted; never an exception other than InvalidDataException.
        int refused = 0;
        for (int offset = 0; offset + 4 <= section.Length; offset += 4)
        {
            byte[] corrupt = [.. section];
            BitConverter.GetBytes(-1).CopyTo(corrupt, offset);
            var target = new JourneyStore(FunnelDefinition.Default, JourneyRig.StoreOptions(), new SalesCycleTracker(JourneyRig.Windows, JourneyRig.Lateness));
            try
            {
                target.ReadCheckpoint(corrupt, 1);
            }
            catch (InvalidDataException)
            {
                refused++;
            }
        }
        Assert.True(refused > 0);
    }

    private static JourneyRig RigAfter(int events)
    {
        var rig = new JourneyRig();
        foreach (JourneyEvent e in Events.Take(events))
            rig.Feed(e);
        return rig;
    }

    private static byte[] Section(ICheckpointable part)
    {
        var buffer = new ArrayBufferWriter<byte>();
        part.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The stream must make the store evict, expire, stall, record conversions and cycles, and the tracker answer per breakdown, or the comparison proves little.</summary>
    private static void AssertStreamExercisesEverything(RigStep[] steps, RigStep final, bool trackerWindows)
    {
        Assert.True(final.Evictions > 0, "no eviction");
        Assert.True(final.Expirations > 0, "no expiration");
        Assert.Contains(steps, s => System.Text.RegularExpressions.Regex.IsMatch(s.View, @"Count = [1-9]"));
        Assert.DoesNotContain("sales cycle le [600,3600,21600,86400] cumulative [0,0,0,0,0]", final.View);
        Assert.Contains(steps, s => !s.View.Contains("rolling 1440 min: \n"));
        if (trackerWindows)
            Assert.Contains(steps, s => s.Closes.Any(c => c.Breakdown.Length > 0 && c.MeanDays is not null));
    }
}
