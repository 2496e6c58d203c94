using FunnelStream.Kafka.Ingest;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>Broker reachability and outages (docs/metrics.md, "Broker faults"). Thread-safe.</summary>
internal sealed class KafkaHealthMetricsCollector(BrokerHealth health) : IMetricsCollector
{
    private readonly MetricFamily _up = MetricFamily.Gauge("funnel_kafka_up", "1 while the Kafka brokers are reachable, 0 during an outage.");
    private readonly MetricFamily _outages = MetricFamily.Counter("funnel_kafka_outages", "Times all Kafka brokers became unreachable.");
    private readonly object _scrape = new();

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            writer.BeginFamily(_up);
            writer.Sample(LabelSet.Empty, health.Up ? 1L : 0L);
            writer.BeginFamily(_outages);
            writer.Sample(LabelSet.Empty, health.Outages);
        }
    }
}
