namespace FunnelStream.Outputs.Prometheus;

/// <summary>The metric family types FunnelStream exposes.</summary>
public enum MetricType
{
    /// <summary>A monotonically non-decreasing total; samples are named <c>&lt;name&gt;_total</c>.</summary>
    Counter,

    /// <summary>A current value that may go up and down; samples carry the family name unchanged.</summary>
    Gauge,

    /// <summary>
    /// Cumulative buckets with fixed upper bounds; samples are <c>&lt;name&gt;_bucket{le="..."}</c>
    /// (ending with <c>le="+Inf"</c>), <c>&lt;name&gt;_sum</c> and <c>&lt;name&gt;_count</c>.
    /// </summary>
    Histogram,
}
