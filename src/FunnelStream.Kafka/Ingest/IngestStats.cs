using FunnelStream.Events;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// The ingest side's own counters, for metrics. Each counter has one writing thread (named per
/// member); readers on any thread use the read methods, which never block.
/// </summary>
public sealed partial class IngestStats
{
    private readonly long[] _rejected = new long[Enum.GetValues<RejectReason>().Length];
    private long _consumed;
    private long _deadLettered;
    private long _deadLetterErrors;
    private long _fatalErrors;
    private long _brokerErrors;
    private volatile PartitionLag[] _lag = [];
    private volatile int _assigned;
    private volatile int _recordStores;

    /// <summary>Records read from Kafka, counted when the engine thread applies their batch (so a checkpoint covers exactly them).</summary>
    public long Consumed => Volatile.Read(ref _consumed);

    /// <summary>Records forwarded to the dead-letter topic and acknowledged by the broker.</summary>
    public long DeadLettered => Volatile.Read(ref _deadLettered);

    /// <summary>Failed dead-letter deliveries (each is produced again until acknowledged).</summary>
    public long DeadLetterErrors => Volatile.Read(ref _deadLetterErrors);

    /// <summary>Errors reported by the client (broker down, transport errors); the client retries them.</summary>
    public long BrokerErrors => Volatile.Read(ref _brokerErrors);

    /// <summary>Partitions assigned to this instance.</summary>
    public int AssignedPartitions => _assigned;

    /// <summary>Lag per assigned partition, as last measured (about once a second).</summary>
    public IReadOnlyList<PartitionLag> Lag => _lag;

    /// <summary>
    /// Record stores the pipeline has made (consumer thread): the bulk of its batches, at most the batches
    /// being filled, queued for the engine or applied at once, i.e. the channel's capacity plus three (the consumer holds a full batch and the next one while it waits for room),
    /// however many applied batches wait for acknowledgements or a checkpoint save.
    /// </summary>
    public int RecordStores => _recordStores;

    /// <summary>Rejected records of <paramref name="reason"/>.</summary>
    public long Rejected(RejectReason reason) => Volatile.Read(ref _rejected[(int)reason]);

    internal void AddConsumed(int n) => Interlocked.Add(ref _consumed, n);

    internal void AddRejected(RejectReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    internal void SetRecordStores(int made) => _recordStores = made;

    internal void AddDeadLettered() => Interlocked.Increment(ref _deadLettered);

    internal void AddDeadLetterError() => Interlocked.Increment(ref _deadLetterErrors);

    internal void AddBrokerError() => Interlocked.Increment(ref _brokerErrors);

    internal void AddFatalError() => Interlocked.Increment(ref _fatalErrors);

    internal void SetLag(PartitionLag[] lag, int assigned)
    {
        _lag = lag;
        _assigned = assigned;
    }
}

/// <summary>Consumer lag of one partition: records between the consumer's position and the partition's end.</summary>
public readonly record struct PartitionLag(string Topic, int Partition, long Records);
