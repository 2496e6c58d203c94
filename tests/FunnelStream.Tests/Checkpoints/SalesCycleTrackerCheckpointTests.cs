using System.Buffers;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// <see cref="SalesCycleTracker"/> checkpoints (the host's <c>sales-cycles</c> section, saved with the
/// journey store's <c>journeys</c> section): per-window sums by breakdown value and the rolling ring,
/// restored so that cycles moved after the restore (an earlier lead or won) are taken back from the
/// right window and breakdown, and bad checkpoints are refused.
/// </summary>
/// <remarks>Driven through <see cref="JourneyRig"/> (a worker-built engine; see there for how a restored rig is primed).</remarks>
public sealed class SalesCycleTrackerCheckpointTests
{
    private static readonly DateTimeOffset T0 = JourneyRig.T0.AddHours(10);

    /// <summary>
    /// Cycles that move after they were first counted: an earlier won in another breakdown, an earlier
    /// lead, a won before its lead; windows of one and six hours closing; a cycle in the 24 h ring.
    /// </summary>
    private static readonly IReadOnlyList<JourneyEvent> Races =
    [
        Event("lead", 0, "j1", "spring", "linkedin"),
        Event("lead", 20, "j2", "autumn", "google"),
        Event("won", 30, "j1", "spring", "linkedin"),
        Event("won", 27, "j1", "winter", "google"), // j1's cycle moves to 27 min and to winter/google
        Event("lead", 33, "j7", "autumn", "linkedin"),
        Event("won", 45, "j2", "autumn", "google"),
        Event("lead", 56, "j3", "spring", "google"),
        Event("won", 58, "j3", "autumn", "linkedin"),
        Event("lead", 54, "j3", "spring", "google"), // j3's cycle grows from 2 to 4 min
        Event("won", 61, "j7", "spring", "linkedin"),
        Event("won", 62, "j4", "winter", "linkedin"), // no lead yet: no cycle
        Event("lead", 59, "j4", "spring", "linkedin"), // now 3 min, in the 11:00 window
        Event("won", 64, "j5", "spring", "linkedin"), // the breakdown of j7's won, in the same windows
        Event("lead", 61, "j5", "autumn", "google"),
        Event("won", 63, "j5", "spring", "google"), // j5's cycle moves to spring/google
        Event("impression", 130, null, "spring", "linkedin"), // closes the 10:00 and 11:00 windows
        Event("lead", 180, "j6", "winter", "google"),
        Event("won", 210, "j6", "spring", "linkedin"),
        Event("impression", 600, null, "spring", "linkedin"), // closes the 06:00-12:00 window and 13:00
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SalesCycleTracker_RestoredMidStream_ContinuesExactlyAsUninterrupted(bool trackerWindows)
    {
        (RigStep[] steps, RigStep final) = RestartComparison.RunUninterrupted(Races, trackerWindows);
        if (trackerWindows)
            Assert.Contains(final.Closes.Concat(steps.SelectMany(s => s.Closes)), c => c.Breakdown is ["winter", "google"] && c.MeanDays is not null);

        for (int cut = 0; cut <= Races.Count; cut++)
            RestartComparison.RunWithRestarts(Races, trackerWindows, [cut], steps, final);
        // Restored again and again: at 14 the same breakdown (spring/linkedin, 11:00) is held under a
        // slot restored at 10 (j7) and under the engine's slot (j5); written as one, restored as one.
        RestartComparison.RunWithRestarts(Races, trackerWindows, [3, 8, 10, 14, 15], steps, final);
    }

    [Fact]
    public void MeanSalesCycleDays_CycleMovedAfterRestore_TakenBackFromRestoredBreakdown()
    {
        var writer = new JourneyRig();
        foreach (JourneyEvent e in Races.Take(3))
            writer.Feed(e);
        var restored = new JourneyRig(preIntern: ["autumn", "winter"]);
        restored.Restore(writer.Checkpoint(3));
        restored.Prime(writer.Engine.Watermark);

        restored.Feed(Races[3]); // j1's won moves from spring/linkedin (restored) to winter/google at 10:27
        long start = T0.ToUnixTimeMilliseconds(), end = T0.AddHours(1).ToUnixTimeMilliseconds();

        Assert.Null(restored.Tracker.Windows.MeanSalesCycleDays(start, end, ["spring", "linkedin"]));
        Assert.Equal(27.0 / 1_440, restored.Tracker.Windows.MeanSalesCycleDays(start, end, ["winter", "google"])!.Value, 12);
        Assert.Equal(27.0 / 1_440, restored.Tracker.Windows.MeanSalesCycleDays(start, end, [])!.Value, 12);
    }

    [Fact]
    public void WriteCheckpoint_WindowsKeptButSlotsNotNamed_ThrowsInvalidOperation()
    {
        var interners = FunnelDefinition.Default.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        var tracker = new SalesCycleTracker(JourneyRig.Windows, JourneyRig.Lateness);
        var engine = new FunnelEngine(FunnelDefinition.Default, new EngineOptions { WindowSizes = JourneyRig.Windows }, interners,
            journeys: new JourneyStore(FunnelDefinition.Default, JourneyRig.StoreOptions(), tracker));
        foreach (JourneyEvent e in Races.Take(3))
        {
            var evt = new FunnelEvent
            {
                TimestampMs = e.TimestampMs,
                IdHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(e.Id)),
                JourneyHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(e.Journey!)),
                Stage = (byte)FunnelDefinition.Default.IndexOf(e.Stage),
            };
            engine.Process(evt);
        }

        var e1 = Assert.Throws<InvalidOperationException>(() => tracker.WriteCheckpoint(new ArrayBufferWriter<byte>()));

        Assert.Contains("UseSlotNames", e1.Message);
    }

    [Fact]
    public void ReadCheckpoint_TrackerThatCountedCycles_ThrowsInvalidOperation()
    {
        JourneyRig source = RigAfter(5);
        JourneyRig used = RigAfter(3);

        var e = Assert.Throws<InvalidOperationException>(() => used.Tracker.ReadCheckpoint(Section(source.Tracker), 1));

        Assert.Contains("freshly built", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_UnknownVersion_ThrowsInvalidDataNamingIt()
    {
        JourneyRig source = RigAfter(5);
        var target = new JourneyRig();

        var e = Assert.Throws<InvalidDataException>(() => target.Tracker.ReadCheckpoint(Section(source.Tracker), 7));

        Assert.Contains("format 7", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_OtherWindowSizes_ThrowsInvalidDataNamingThem()
    {
        JourneyRig source = RigAfter(5);
        var target = new JourneyRig(trackerSizes: [TimeSpan.FromHours(1)]);

        var e = Assert.Throws<InvalidDataException>(() => target.Restore(source.Checkpoint(5)));

        Assert.Contains("'sales-cycles'", e.Message);
        Assert.Contains("sales-cycle window sizes was 01:00:00,06:00:00, is 01:00:00 now", e.Message);
        Assert.DoesNotContain("AllowedLateness", e.Message);
    }

    [Fact]
    public void ReadCheckpoint_TruncatedOrTrailingBytes_ThrowsInvalidDataAndLeavesTheTrackerFresh()
    {
        JourneyRig source = RigAfter(13);
        byte[] section = Section(source.Tracker);
        var target = new JourneyRig();

        for (int length = 0; length < section.Length; length++)
            Assert.Throws<InvalidDataException>(() => target.Tracker.ReadCheckpoint(section.AsSpan(0, length), 1));
        Assert.Throws<InvalidDataException>(() => target.Tracker.ReadCheckpoint([.. section, 0], 1));

        target.Tracker.ReadCheckpoint(section, 1);
        target.Store.ReadCheckpoint(Section(source.Store), 1);
        Assert.Equal(source.View(source.Engine.Watermark), target.View(source.Engine.Watermark));
    }

    private static JourneyEvent Event(string stage, int minutes, string? journey, string campaign, string channel) =>
        new($"{stage}-{journey}-{minutes}", stage, T0.AddMinutes(minutes).ToUnixTimeMilliseconds(), journey, campaign, channel);

    private static JourneyRig RigAfter(int events)
    {
        var rig = new JourneyRig();
        foreach (JourneyEvent e in Races.Take(events))
            rig.Feed(e);
        return rig;
    }

    private static byte[] Section(ICheckpointable part)
    {
        var buffer = new ArrayBufferWriter<byte>();
        part.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
