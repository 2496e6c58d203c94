namespace FunnelStream.Configuration;

/// <summary><c>FunnelStream:Outputs</c>: the KPI topics (docs/topics.md, issue 5).</summary>
/// <remarks>
/// Defaults: window records to <c>funnel.kpis</c>; rolling snapshots to <c>funnel.kpis.rolling</c>
/// but off (interval zero); a failed delivery retried after 1 s; the shared producer gives up on an
/// attempt after 2 min (then the record is retried).
/// </remarks>
public sealed class OutputSettings
{
    /// <summary>Topic of the window records; empty to publish none. Default <c>funnel.kpis</c>.</summary>
    public string KpiTopic { get; set; } = "funnel.kpis";

    /// <summary>Topic of the rolling snapshots. Default <c>funnel.kpis.rolling</c>.</summary>
    public string RollingTopic { get; set; } = "funnel.kpis.rolling";

    /// <summary>How often (processing time) rolling snapshots are published; zero for never. Default zero (off); otherwise at least 1 s.</summary>
    public TimeSpan RollingInterval { get; set; } = TimeSpan.Zero;

    /// <summary>Wait before producing a record again after a failed delivery. Default 1 s; between 10 ms and 10 min.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the producer tries one delivery attempt (librdkafka <c>message.timeout.ms</c>). Default 2 min; between 1 s and 1 h.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Several instances share the input partitions (one consumer group): each publishes partial
    /// aggregates to <see cref="PartialsTopic"/> and the owner of a window's key merges them into
    /// <see cref="KpiTopic"/> (docs/topics.md, "Several instances"). Every instance of the group must
    /// set the same value. Default <c>false</c> (one instance sees every partition).
    /// </summary>
    public bool MergeInstances { get; set; }

    /// <summary>Internal topic of partial aggregates (merge mode only). Default <c>funnel.kpis.partials</c>.</summary>
    public string PartialsTopic { get; set; } = "funnel.kpis.partials";

    /// <summary>The problems of these settings, each naming its key; empty when valid.</summary>
    internal IEnumerable<string> Validate(string prefix)
    {
        if (KpiTopic is null || KpiTopic.Trim() != KpiTopic)
            yield return $"{prefix}:KpiTopic: must be a topic name without surrounding spaces, or empty to publish no window records (got '{KpiTopic}')";
        if (RollingInterval < TimeSpan.Zero || (RollingInterval > TimeSpan.Zero && RollingInterval < TimeSpan.FromSeconds(1)))
            yield return $"{prefix}:RollingInterval: must be 00:00:00 (off) or at least 00:00:01 (got {RollingInterval})";
        if (RollingInterval > TimeSpan.Zero && string.IsNullOrWhiteSpace(RollingTopic))
            yield return $"{prefix}:RollingTopic: must be set when RollingInterval is not zero";
        if (MergeInstances && string.IsNullOrWhiteSpace(PartialsTopic))
            yield return $"{prefix}:PartialsTopic: must be set when MergeInstances is true";
        if (MergeInstances && string.IsNullOrWhiteSpace(KpiTopic))
            yield return $"{prefix}:KpiTopic: must be set when MergeInstances is true (the merged records go there)";
        if (RetryBackoff < TimeSpan.FromMilliseconds(10) || RetryBackoff > TimeSpan.FromMinutes(10))
            yield return $"{prefix}:RetryBackoff: must be between 00:00:00.010 and 00:10:00 (got {RetryBackoff})";
        if (DeliveryTimeout < TimeSpan.FromSeconds(1) || DeliveryTimeout > TimeSpan.FromHours(1))
            yield return $"{prefix}:DeliveryTimeout: must be between 00:00:01 and 01:00:00 (got {DeliveryTimeout})";
    }
}
