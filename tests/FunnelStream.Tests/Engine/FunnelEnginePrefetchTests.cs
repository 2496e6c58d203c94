using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Tests.Engine;

public class FunnelEnginePrefetchTests
{
    /// <summary>
    /// <see cref="FunnelEngine.Prefetch"/> is only a hint: a batch processed with it, 8 events ahead,
    /// gets the same outcome for every event, the same counters and the same closed windows as the same
    /// batch without it (repeated ids, late events and a dedup set that evicts included).
    /// </summary>
    [Fact]
    public void Process_WithPrefetchAhead_SameOutcomesCountersAndWindows()
    {
        var options = new EngineOptions { DedupMaxEntries = 1024, DedupHorizon = TimeSpan.FromMinutes(30) };
        var plain = new EngineTestKit(options);
        var hinted = new EngineTestKit(options);
        var rng = new Random(5);
        string[] stages = ["click", "lead", "won"];
        var events = new FunnelEvent[20_000];
        for (int i = 0; i < events.Length; i++)
        {
            DateTimeOffset ts = EngineTestKit.T0.AddSeconds(i / 4.0 - rng.Next(0, 600) * (rng.Next(20) == 0 ? 1 : 0));
            string? id = rng.Next(10) == 0 ? $"e-{rng.Next(i + 1)}" : null; // some repeats
            (string stage, string campaign, string channel) = (stages[rng.Next(3)], $"c{rng.Next(5)}", $"ch{rng.Next(3)}");
            events[i] = plain.Event(stage, ts, campaign, channel, id ?? $"n-{i}");
            hinted.Event(stage, ts, campaign, channel); // the same values interned in the same order: the same ids
        }
        for (int i = 0; i < events.Length; i++)
        {
            if (i + 8 < events.Length)
                hinted.Engine.Prefetch(events[i + 8]);
            Assert.Equal(plain.Engine.Process(events[i], i % 2), hinted.Engine.Process(events[i], i % 2));
        }
        plain.Engine.CloseAllWindows();
        hinted.Engine.CloseAllWindows();

        Assert.Equal(plain.Engine.CountedTotal, hinted.Engine.CountedTotal);
        Assert.Equal(plain.Engine.DuplicateCount, hinted.Engine.DuplicateCount);
        Assert.Equal(plain.Engine.DedupEvictions, hinted.Engine.DedupEvictions);
        long late = Enumerable.Range(0, plain.Funnel.Stages.Count).Sum(s => plain.Engine.LateCount(s));
        Assert.Equal(late, Enumerable.Range(0, hinted.Funnel.Stages.Count).Sum(s => hinted.Engine.LateCount(s)));
        Assert.True(plain.Engine.DuplicateCount > 0, "no duplicates in the stream");
        Assert.True(plain.Engine.DedupEvictions > 0, "the dedup set never evicted");
        Assert.True(late > 0, "no late events in the stream");
        Assert.Equal(plain.Closed, hinted.Closed);
    }
}
