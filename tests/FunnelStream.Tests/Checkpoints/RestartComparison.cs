using FunnelStream.Engine.Journeys;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// Runs a stream through an uninterrupted <see cref="JourneyRig"/>, then again with the journey store and
/// the sales-cycle tracker checkpointed and restored into a fresh rig at given cuts, and compares
/// everything a user sees after every event and at the end.
/// </summary>
internal static class RestartComparison
{
    /// <summary>Interned first by a restored rig (reversed, plus values the streams never have), so its ids differ from the writer's.</summary>
    private static readonly string[] OtherValues = ["zzz", "google", "linkedin", "winter", "autumn", "spring", "yyy"];

    public static (RigStep[] Steps, RigStep Final) RunUninterrupted(IReadOnlyList<JourneyEvent> events, bool trackerWindows)
    {
        var a = new JourneyRig(trackerWindows: trackerWindows);
        var steps = new RigStep[events.Count];
        JourneySnapshot previous = a.Store.Snapshot;
        for (int i = 0; i < events.Count; i++)
        {
            a.Feed(events[i]);
            steps[i] = new RigStep(a.View(a.Engine.Watermark), a.TakeCloses(), a.Store.Evictions, a.Store.Snapshot.Expirations, !ReferenceEquals(previous, a.Store.Snapshot));
            previous = a.Store.Snapshot;
        }
        a.Engine.CloseAllWindows();
        return (steps, new RigStep(a.View(a.Engine.Watermark), a.TakeCloses(), a.Store.Evictions, a.Store.Snapshot.Expirations, true));
    }

    /// <summary>Feeds the stream, checkpointing and restoring into a fresh rig at each cut, and compares every step with the uninterrupted run.</summary>
    public static void RunWithRestarts(IReadOnlyList<JourneyEvent> events, bool trackerWindows, int[] cuts, RigStep[] steps, RigStep final)
    {
        var rig = new JourneyRig(trackerWindows: trackerWindows);
        int next = 0;
        int restarts = 0;
        foreach (int cut in cuts)
        {
            for (; next < cut; next++)
                FeedAndCompare(rig, events[next], steps[next], $"cuts {string.Join(",", cuts)}, event {next}");
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
        for (; next < events.Count; next++)
            FeedAndCompare(rig, events[next], steps[next], $"cuts {string.Join(",", cuts)}, event {next}");
        rig.Engine.CloseAllWindows();
        rig.TakeCloses();
        AssertSame(final.View, rig.View(rig.Engine.Watermark), $"cuts {string.Join(",", cuts)}, after the last window closed");
        AssertSame(string.Join("\n", final.Closes.Select(c => c.ToString())), rig.ReadLike(final.Closes), $"cuts {string.Join(",", cuts)}, windows closed at the end");
    }

    private static void FeedAndCompare(JourneyRig rig, JourneyEvent e, RigStep expected, string where)
    {
        rig.Feed(e);
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
}
