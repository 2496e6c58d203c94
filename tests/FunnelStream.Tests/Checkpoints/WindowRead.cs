namespace FunnelStream.Tests.Checkpoints;

/// <summary>The mean sales cycle (days) a window sink read for one closed window and breakdown (empty: the total).</summary>
internal sealed record WindowRead(long StartMs, long EndMs, string[] Breakdown, double? MeanDays)
{
    public override string ToString() => $"[{StartMs}, {EndMs}) {string.Join('/', Breakdown)}: {MeanDays:R}";
}
