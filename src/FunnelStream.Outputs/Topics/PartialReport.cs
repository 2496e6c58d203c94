using FunnelStream.Engine;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// One instance's numbers for one window, over the input partitions it processed (a
/// <c>funnel.kpis.partials</c> record; docs/topics.md, "Several instances"). <see cref="Sequence"/>
/// grows with every report the instance sends for the window; the merger keeps the highest.
/// </summary>
public sealed record PartialReport(string Instance, long Sequence, long SizeMs, long StartMs, bool Final, IReadOnlyList<PartialBreakdown> Breakdowns);

/// <summary>One breakdown of a <see cref="PartialReport"/>: dimension values in funnel order and exact totals.</summary>
public sealed record PartialBreakdown(IReadOnlyList<string> Values, StageTotals Totals);
