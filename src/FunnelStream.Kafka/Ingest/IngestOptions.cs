namespace FunnelStream.Kafka.Ingest;

/// <summary>How the worker reads Kafka. Plain values: the host binds and validates them.</summary>
/// <remarks>
/// Defaults: group <c>funnelstream</c>, topics <c>funnel.clicks</c>, <c>funnel.leads</c>,
/// <c>funnel.deals</c>, dead-letter topic <c>funnel.dlq</c>, batches of 1,024 records, at most 64
/// batches queued between the consumer and the engine.
/// </remarks>
public sealed class IngestOptions
{
    /// <summary>Kafka bootstrap servers, <c>host:port,...</c>. Required.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Consumer group id; instances with the same id share the partitions.</summary>
    public string GroupId { get; init; } = "funnelstream";

    /// <summary>Input topics.</summary>
    public IReadOnlyList<string> Topics { get; init; } = ["funnel.clicks", "funnel.leads", "funnel.deals"];

    /// <summary>Where rejected and late records go, unchanged, with the reason in headers; <c>null</c> to not forward them (they are still counted).</summary>
    public string? DeadLetterTopic { get; init; } = "funnel.dlq";

    /// <summary>Records per batch handed from the consumer thread to the engine thread.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Batches that may wait for the engine; when full, the consumer waits (backpressure) instead of buffering more.</summary>
    public int ChannelCapacity { get; init; } = 64;

    /// <summary>
    /// Extra librdkafka settings passed to every client unchanged (e.g. <c>security.protocol</c>,
    /// <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.ca.location</c>).
    /// Values are never logged.
    /// </summary>
    public IReadOnlyDictionary<string, string> Client { get; init; } = new Dictionary<string, string>();
}
