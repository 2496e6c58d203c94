using FunnelStream.Engine.Kpis;

namespace FunnelStream.Tests.Replay;

/// <summary>
/// A sales-cycle source that gives one mean for every window and breakdown: the seam the journey
/// computation fills, here held constant so that the SQL reference can use the same number.
/// </summary>
internal sealed class FixedSalesCycle(double days) : ISalesCycleSource
{
    public List<(long StartMs, long EndMs, string Breakdown)> Calls { get; } = [];

    public double? MeanSalesCycleDays(long startMs, long endMs, IReadOnlyList<string> breakdown)
    {
        Calls.Add((startMs, endMs, string.Join('/', breakdown)));
        return days;
    }
}
