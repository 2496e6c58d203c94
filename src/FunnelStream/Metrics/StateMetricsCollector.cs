using FunnelStream.Kafka.State;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>Checkpoints (docs/metrics.md, "State"). Thread-safe.</summary>
internal sealed class StateMetricsCollector(StateStats stats) : IMetricsCollector
{
    private readonly MetricFamily _checkpoints = MetricFamily.Counter("funnel_state_checkpoints", "Checkpoints made durable; each commits the input offsets it reflects.");
    private readonly MetricFamily _failures = MetricFamily.Counter("funnel_state_checkpoint_failures", "Checkpoint saves that failed; offsets stay uncommitted until one succeeds.");
    private readonly MetricFamily _bytes = MetricFamily.Counter("funnel_state_checkpoint_written_bytes", "Bytes of checkpoint data saved.", "bytes");
    private readonly MetricFamily _size = MetricFamily.Gauge("funnel_state_checkpoint_size_bytes", "Size of the last durable checkpoint.", "bytes");
    private readonly MetricFamily _save = MetricFamily.Gauge("funnel_state_checkpoint_save_seconds", "How long the last checkpoint took to become durable.", "seconds");
    private readonly MetricFamily _captureTime = MetricFamily.Counter("funnel_state_capture_seconds", "Time the engine thread spent capturing checkpoints, counting nothing meanwhile.", "seconds");
    private readonly MetricFamily _lastCapture = MetricFamily.Gauge("funnel_state_last_capture_seconds", "How long the last checkpoint capture held the engine thread.", "seconds");
    private readonly MetricFamily _last = MetricFamily.Gauge("funnel_state_last_checkpoint_timestamp_seconds", "When the last checkpoint became durable, Unix seconds.", "seconds");
    private readonly MetricFamily _restored = MetricFamily.Gauge("funnel_state_restored_bytes", "Size of the checkpoint restored at start-up; 0 when the state started empty.", "bytes");
    private readonly object _scrape = new();

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            writer.BeginFamily(_checkpoints);
            writer.Sample(LabelSet.Empty, stats.Checkpoints);
            writer.BeginFamily(_failures);
            writer.Sample(LabelSet.Empty, stats.CheckpointFailures);
            writer.BeginFamily(_bytes);
            writer.Sample(LabelSet.Empty, stats.CheckpointBytes);
            writer.BeginFamily(_size);
            writer.Sample(LabelSet.Empty, stats.LastCheckpointSize);
            writer.BeginFamily(_save);
            writer.Sample(LabelSet.Empty, stats.LastSaveMicros / 1e6);
            writer.BeginFamily(_captureTime);
            writer.Sample(LabelSet.Empty, stats.CaptureMicros / 1e6);
            writer.BeginFamily(_lastCapture);
            writer.Sample(LabelSet.Empty, stats.LastCaptureMicros / 1e6);
            if (stats.LastCheckpointMs > 0)
            {
                writer.BeginFamily(_last);
                writer.Sample(LabelSet.Empty, stats.LastCheckpointMs / 1000d);
            }
            writer.BeginFamily(_restored);
            writer.Sample(LabelSet.Empty, stats.RestoredBytes);
        }
    }
}
