using FunnelStream.Kafka.Output;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>The KPI topics' delivery (docs/metrics.md, "Output topics"). Thread-safe.</summary>
internal sealed class OutputMetricsCollector(OutputStats stats) : IMetricsCollector
{
    private readonly MetricFamily _delivered = MetricFamily.Counter("funnel_output_records", "Output records acknowledged by the broker, per topic.");
    private readonly MetricFamily _errors = MetricFamily.Counter("funnel_output_delivery_errors", "Failed delivery attempts of output records, per topic; each failed record is produced again.");
    private readonly MetricFamily _pending = MetricFamily.Gauge("funnel_output_pending_records", "Output records produced but not yet acknowledged (in flight or waiting for a retry); input offsets do not advance past them.");
    private readonly LabelSet[] _topics = stats.Topics.Select(t => new LabelSet(("topic", t))).ToArray();

    public void Collect(MetricsWriter writer)
    {
        writer.BeginFamily(_delivered);
        for (int i = 0; i < _topics.Length; i++)
            writer.Sample(_topics[i], stats.Delivered(i));
        writer.BeginFamily(_errors);
        for (int i = 0; i < _topics.Length; i++)
            writer.Sample(_topics[i], stats.DeliveryErrors(i));
        writer.BeginFamily(_pending);
        writer.Sample(LabelSet.Empty, stats.Pending);
    }
}
