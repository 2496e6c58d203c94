using FunnelStream.Events;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>
/// The cardinality budget (docs/metrics.md, "Cardinality"): per breakdown dimension, the values kept as
/// labels, the budget, and the events whose value folded into <c>other</c>; and the number of series in
/// the exposition itself.
/// </summary>
/// <remarks>
/// Register it last: <c>funnel_exported_series</c> counts the sample lines written before it in the same
/// exposition, plus its own. Thread-safe: it keeps no per-scrape state and reads the interners' counts,
/// which any thread may read.
/// </remarks>
internal sealed class CardinalityMetricsCollector : IMetricsCollector
{
    private readonly IReadOnlyList<DimensionInterner> _interners;
    private readonly LabelSet[] _labels;
    private readonly MetricFamily _values = MetricFamily.Gauge("funnel_dimension_values", "Distinct values of the breakdown dimension kept as labels, besides 'unknown' and 'other'.");
    private readonly MetricFamily _budget = MetricFamily.Gauge("funnel_dimension_values_max", "The dimension's cardinality budget: values past it fold into 'other'.");
    private readonly MetricFamily _folded = MetricFamily.Counter("funnel_dimension_folded_events", "Events whose value of the dimension was past the budget and was counted as 'other'.");
    private readonly MetricFamily _series = MetricFamily.Gauge("funnel_exported_series", "Time series in this exposition (each histogram bucket, _sum and _count counted), this one included.");

    public CardinalityMetricsCollector(IReadOnlyList<DimensionInterner> interners)
    {
        _interners = interners;
        _labels = interners.Select(i => new LabelSet(("dimension", i.Name))).ToArray();
    }

    public void Collect(MetricsWriter writer)
    {
        writer.BeginFamily(_values);
        for (int i = 0; i < _interners.Count; i++)
            writer.Sample(_labels[i], (long)Math.Max(0, _interners[i].Count - 2));
        writer.BeginFamily(_budget);
        for (int i = 0; i < _interners.Count; i++)
            writer.Sample(_labels[i], (long)_interners[i].MaxValues);
        writer.BeginFamily(_folded);
        for (int i = 0; i < _interners.Count; i++)
            writer.Sample(_labels[i], _interners[i].FoldedCount);
        writer.BeginFamily(_series);
        writer.Sample(LabelSet.Empty, (long)writer.SeriesWritten + 1);
    }
}
