namespace FunnelStream.Kafka.State;

/// <summary>
/// Where instance checkpoints live (docs/reliability.md). A key names one instance of one consumer
/// group (<see cref="CheckpointKeys"/>); a value is an opaque checkpoint (<see cref="Engine.Checkpoints.StateCheckpoint"/>).
/// </summary>
public interface ICheckpointStore : IDisposable
{
    /// <summary>A description for logs, e.g. <c>kafka topic funnel.state</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Saves every checkpoint; returns only once all are durable. Throws
    /// <see cref="CheckpointStoreException"/> when they are not (then none may be relied on). The
    /// bytes are not used after it returns (they may be a reused buffer).
    /// </summary>
    void Save(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> checkpoints);

    /// <summary>The latest durable checkpoint of each of <paramref name="keys"/> that has one.</summary>
    IReadOnlyDictionary<string, byte[]> Load(IReadOnlyCollection<string> keys);
}
