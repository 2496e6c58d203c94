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
    /// <summary>Interned first by a restored rig (reversed, plus values the stream never has), so its ids differ from the writer's.</summary>
    private static readonly string[] OtherValues = ["zzz", "google", "linkedin", "winter", "autumn", "spring", "yyy"];

    private static readonly IReadOnlyList<JourneyEvent> Events = JourneyStream.Generate(seed: 6, journeys: 140);

    private sealed record Step(string View, WindowRead[] Closes, long Evictions, long Expirations, bool Pass);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JourneyStore_RestoredMidStream_ContinuesExactlyAsUninterrupted(bool trackerWindows)
    {
        (Step[] steps, Step final) = RunUninterrupted(trackerWindows);
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
            RunWithRestarts(trackerWindows, [cut], steps, final);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void JourneyStore_RestoredRepeatedly_ContinuesExactlyAsUninterrupted(bool trackerWindows)
    {
        // Each restored store is checkpointed again: breakdowns restored by value are written by value again.
        (Step[] steps, Step final) = RunUninterrupted(trackerWindows);
        int n = Events.Count;
        RunWithRestarts(trackerWindows, [n / 5, 2 * n / 5, 2 * n / 5 + 1, 3 * n / 5, 4 * n / 5], steps, final);
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

    private static (Step[] Steps, Step Final) RunUninterrupted(bool trackerWindows)
    {
        var a = new JourneyRig(trackerWindows: trackerWindows);
        var steps = new Step[Events.Count];
        JourneySnapshot previous = a.Store.Snapshot;
        for (int i = 0; i < Events.Count; i++)
        {
            a.Feed(Events[i]);
            steps[i] = new Step(a.View(a.Engine.Watermark), a.TakeCloses(), a.Store.Evictions, a.Store.Snapshot.Expirations, !ReferenceEquals(previous, a.Store.Snapshot));
            previous = a.Store.Snapshot;
        }
        a.Engine.CloseAllWindows();
        return (steps, new Step(a.View(a.Engine.Watermark), a.TakeCloses(), a.Store.Evictions, a.Store.Snapshot.Expirations, true));
    }

    /// <summary>Feeds the stream, checkpointing and restoring into a fresh rig at each cut, and compares every step with the uninterrupted run.</summary>
    private static void RunWithRestarts(bool trackerWindows, int[] cuts, Step[] steps, Step final)
    {
        var rig = new JourneyRig(trackerWindows: trackerWindows);
        int next = 0;
        int restarts = 0;
        foreach (int cut in cuts)
        {
            for (; next < cut; next++)
                FeedAndCompare(rig, next, steps[next], $"cuts {string.Join(",", cuts)}, event {next}");
            byte[] checkpoint = rig.Checkpoint(cut);
            long watermark = rig.Engine.Watermark;
            var restored = new JourneyRig(trackerWindows: trackerWindows, preIntern: restarts++ % 2 == 0 ? OtherValues : OtherValues.Reverse());
            Assert.Equal(cut, restored.Restore(checkpoint));
            restored.Prime(watermark);
            restored.TakeCloses();
            if (cut > 0)
                AssertSame(steps[cut - 1].View, restored.View(watermark), $"cut {cut}, right after the restore");
            rig = restored;
        }
        for (; next < Events.Count; next++)
            FeedAndCompare(rig, next, steps[next], $"cuts {string.Join(",", cuts)}, event {next}");
        rig.Engine.CloseAllWindows();
        rig.TakeCloses();
        AssertSame(final.View, rig.View(rig.Engine.Watermark), $"cuts {string.Join(",", cuts)}, after the last window closed");
        AssertSame(string.Join("\n", final.Closes.Select(c => c.ToString())), rig.ReadLike(final.Closes), $"cuts {string.Join(",", cuts)}, windows closed at the end");
    }

    private static void FeedAndCompare(JourneyRig rig, int index, Step expected, string where)
    {
        rig.Feed(Events[index]);
        rig.TakeCloses();
        AssertSame(expected.View, rig.View(rig.Engine.Watermark), where);
        // What the uninterrupted sink read from the tracker as windows closed at this event.
        AssertSame(string.Join("\n", expected.Closes.Select(c => c.ToString())), rig.ReadLike(expected.Closes), where + ", windows closed");
    }

    private static void AssertSame(string expected, string actual, string where)
    {
        if (expected != actual)
            Assert.Fail($"{where}: differs from the uninterrupted run\n--- expected\n{expected}\n--- actual\n{actual}");
    }

    /// <summary>The stream must make the store evict, expire, stall, record conversions and cycles, and the tracker answer per breakdown, or the comparison proves little.</summary>
    private static void AssertStreamExercisesEverything(Step[] steps, Step final, bool trackerWindows)
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
