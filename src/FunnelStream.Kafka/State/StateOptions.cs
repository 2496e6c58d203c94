namespace FunnelStream.Kafka.State;

/// <summary>Where and how often the instance's state is checkpointed. Plain values: the host binds and validates them (<c>FunnelStream:State</c>).</summary>
/// <remarks>Defaults: the Kafka topic <c>funnel.state</c>, every 5 s, saves acknowledged within 30 s, chunks of 512 KiB.</remarks>
public sealed class StateOptions
{
    /// <summary>The store: <see cref="StateStoreKind.Kafka"/> (default), <see cref="StateStoreKind.Directory"/> or <see cref="StateStoreKind.None"/>.</summary>
    public StateStoreKind Store { get; init; } = StateStoreKind.Kafka;

    /// <summary>The checkpoint topic for <see cref="StateStoreKind.Kafka"/>.</summary>
    public string Topic { get; init; } = "funnel.state";

    /// <summary>The directory for <see cref="StateStoreKind.Directory"/>.</summary>
    public string Directory { get; init; } = "";

    /// <summary>This instance's name within its consumer group: the checkpoint key. Unique in the group and stable across restarts.</summary>
    public string InstanceId { get; init; } = "";

    /// <summary>How often (processing time) the state is checkpointed and the offsets it reflects committed.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a save (or a load) may take before it counts as failed.</summary>
    public TimeSpan SaveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest checkpoint record value, bytes; larger checkpoints are split. Keep it under the broker's <c>message.max.bytes</c>.</summary>
    public int ChunkBytes { get; init; } = 512 * 1024;
}
