namespace FunnelStream.Outputs.Topics;

/// <summary>
/// An instance's claim, broadcast to every partition of <c>funnel.kpis.partials</c>: for each
/// listed input partition, every window ending at or before <see cref="ClosedThroughMs"/> is final
/// and reported, and every window ending at or before <see cref="FlushedThroughMs"/> is reported as
/// it stands (a quiet stream). Reports it sent before this claim precede it in each partition.
/// </summary>
public sealed record PartialProgress(string Instance, IReadOnlyList<(string Topic, int Partition)> Partitions, long ClosedThroughMs, long FlushedThroughMs);
