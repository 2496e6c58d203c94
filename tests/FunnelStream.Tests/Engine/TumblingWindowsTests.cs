using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;

namespace FunnelStream.Tests.Engine;

public class TumblingWindowsTests
{
    /// <summary>
    /// Remembering the previous event's window changes nothing: against the previous implementation
    /// (<see cref="TumblingWindowsBaseline"/>), every lookup returns the same window, and the same
    /// windows close with the same counters, on event times that mostly advance, sometimes jump back
    /// into older open windows or forward past several, with closes in between (accumulators reused).
    /// </summary>
    [Theory]
    [InlineData(1, 60_000)]
    [InlineData(2, 1_000)]
    [InlineData(3, 3_600_000)]
    public void For_RandomTimesWithCloses_MatchesPreviousImplementation(int seed, long sizeMs)
    {
        var layout = new SlotLayout(3);
        var windows = new TumblingWindows(sizeMs, layout);
        var reference = new TumblingWindowsBaseline(sizeMs, layout);
        var closed = new List<(long, long, long[])>();
        var closedReference = new List<(long, long, long[])>();
        var rng = new Random(seed);
        long ts = 1_700_000_000_000;
        for (int i = 0; i < 100_000; i++)
        {
            ts += rng.Next(10) == 0 ? rng.NextInt64(-3 * sizeMs, 3 * sizeMs) : rng.Next(0, (int)Math.Min(sizeMs / 10 + 1, 5_000));
            WindowAccumulator w = windows.For(ts);
            WindowAccumulator r = reference.For(ts);
            Assert.Equal((r.StartMs, r.EndMs), (w.StartMs, w.EndMs));
            Assert.True(ts >= w.StartMs && ts < w.EndMs);
            int slot = rng.Next(20), stage = rng.Next(3);
            w.Add(slot, stage, 5, 7);
            r.Add(slot, stage, 5, 7);
            if (rng.Next(200) == 0)
            {
                long closeBefore = ts - rng.NextInt64(0, 2 * sizeMs);
                windows.CloseUpTo(closeBefore, c => closed.Add((c.StartMs, c.EndMs, c.Data.ToArray())));
                reference.CloseUpTo(closeBefore, c => closedReference.Add((c.StartMs, c.EndMs, c.Data.ToArray())));
                Assert.Equal(reference.OpenCount, windows.OpenCount);
                Assert.Equal(reference.EarliestEnd, windows.EarliestEnd);
            }
        }
        windows.CloseUpTo(long.MaxValue, c => closed.Add((c.StartMs, c.EndMs, c.Data.ToArray())));
        reference.CloseUpTo(long.MaxValue, c => closedReference.Add((c.StartMs, c.EndMs, c.Data.ToArray())));
        Assert.True(closed.Count > 10);
        Assert.Equal(closedReference.Count, closed.Count);
        for (int i = 0; i < closed.Count; i++)
        {
            Assert.Equal(closedReference[i].Item1, closed[i].Item1);
            Assert.Equal(closedReference[i].Item2, closed[i].Item2);
            Assert.Equal(closedReference[i].Item3, closed[i].Item3);
        }
    }
}
