using Confluent.Kafka;
using FunnelStream.Events;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// What the consumer thread hands the engine thread: parsed events with their source partition
/// and original record (to dead-letter it if the engine finds it late), the offsets the batch
/// covers, partition assignment changes, and an optional barrier to signal once applied.
/// Pooled: the engine thread returns it after use.
/// </summary>
internal sealed class IngestBatch(int capacity)
{
    public FunnelEvent[] Events { get; } = new FunnelEvent[capacity];

    public int[] Sources { get; } = new int[capacity];

    public ConsumeResult<byte[], byte[]>?[] Records { get; } = new ConsumeResult<byte[], byte[]>?[capacity];

    public int Count { get; private set; }

    /// <summary>The next offset to commit per partition (last record's offset + 1), for every record in the batch, rejected ones included.</summary>
    public Dictionary<TopicPartition, long> NextOffsets { get; } = [];

    public List<int> AddedSources { get; } = [];

    public List<int> RemovedSources { get; } = [];

    /// <summary>Set when the consumer thread waits for everything before it to be applied (a rebalance or shutdown).</summary>
    public ManualResetEventSlim? Barrier { get; set; }

    public bool IsFull => Count == Events.Length;

    public bool IsEmpty => Count == 0 && NextOffsets.Count == 0 && AddedSources.Count == 0 && RemovedSources.Count == 0 && Barrier is null;

    public void Add(in FunnelEvent evt, int source, ConsumeResult<byte[], byte[]> record)
    {
        Events[Count] = evt;
        Sources[Count] = source;
        Records[Count] = record;
        Count++;
        Covers(record.TopicPartitionOffset);
    }

    public void Covers(TopicPartitionOffset tpo) => NextOffsets[tpo.TopicPartition] = tpo.Offset.Value + 1;

    public void Reset()
    {
        Array.Clear(Records, 0, Count);
        Count = 0;
        NextOffsets.Clear();
        AddedSources.Clear();
        RemovedSources.Clear();
        Barrier = null;
    }
}
