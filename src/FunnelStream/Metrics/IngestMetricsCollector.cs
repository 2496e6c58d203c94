using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>The consumer's own health (docs/metrics.md, "Ingest and health"). Thread-safe.</summary>
internal sealed class IngestMetricsCollector(IngestStats stats) : IMetricsCollector
{
    private readonly MetricFamily _consumed = MetricFamily.Counter("funnel_consumer_records", "Records read from the input topics.");
    private readonly MetricFamily _rejected = MetricFamily.Counter("funnel_events_rejected", "Records not counted, by reason; each is forwarded to the dead-letter topic.");
    private readonly MetricFamily _deadLettered = MetricFamily.Counter("funnel_dead_letter_records", "Records acknowledged on the dead-letter topic.");
    private readonly MetricFamily _deadLetterErrors = MetricFamily.Counter("funnel_dead_letter_errors", "Failed dead-letter deliveries; each is produced again until acknowledged.");
    private readonly MetricFamily _kafkaErrors = MetricFamily.Counter("funnel_kafka_errors", "Errors reported by the Kafka client (it retries them).");
    private readonly MetricFamily _assigned = MetricFamily.Gauge("funnel_consumer_assigned_partitions", "Partitions assigned to this instance.");
    private readonly MetricFamily _lag = MetricFamily.Gauge("funnel_consumer_lag_records", "Records between this instance's position and the partition's end.");
    private readonly (RejectReason Reason, LabelSet Labels)[] _reasons =
        RejectReasons.All.Select(r => (r, new LabelSet(("reason", RejectReasons.Label(r))))).ToArray();
    private readonly Dictionary<(string, int), LabelSet> _lagLabels = [];
    private readonly object _scrape = new();

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            writer.BeginFamily(_consumed);
            writer.Sample(LabelSet.Empty, stats.Consumed);
            writer.BeginFamily(_rejected);
            foreach ((RejectReason reason, LabelSet labels) in _reasons)
                writer.Sample(labels, stats.Rejected(reason));
            writer.BeginFamily(_deadLettered);
            writer.Sample(LabelSet.Empty, stats.DeadLettered);
            writer.BeginFamily(_deadLetterErrors);
            writer.Sample(LabelSet.Empty, stats.DeadLetterErrors);
            writer.BeginFamily(_kafkaErrors);
            writer.Sample(LabelSet.Empty, stats.BrokerErrors);
            writer.BeginFamily(_assigned);
            writer.Sample(LabelSet.Empty, (long)stats.AssignedPartitions);
            writer.BeginFamily(_lag);
            foreach (PartitionLag lag in stats.Lag)
            {
                if (!_lagLabels.TryGetValue((lag.Topic, lag.Partition), out LabelSet? labels))
                {
                    labels = new LabelSet(("topic", lag.Topic), ("partition", lag.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    _lagLabels[(lag.Topic, lag.Partition)] = labels;
                }
                writer.Sample(labels, lag.Records);
            }
        }
    }
}
