using Confluent.Kafka;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;
using FunnelStream.Kafka.Output;

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

    private long[] _nextBySource = new long[8];
    private TopicPartition?[] _partitionBySource = new TopicPartition?[8];

    /// <summary>The sources (partitions) this batch covers offsets of, in first-seen order; see <see cref="NextOffset"/>.</summary>
    public List<int> CoveredSources { get; } = [];


    public List<int> AddedSources { get; } = [];

    public List<int> RemovedSources { get; } = [];

    /// <summary>The partitions of <see cref="AddedSources"/>, in the same order.</summary>
    public List<TopicPartition> AddedPartitions { get; } = [];

    /// <summary>
    /// Checkpoints of the previous owners of <see cref="AddedPartitions"/> (other instances), whose
    /// remembered ids the engine imports before any record of those partitions (docs/reliability.md).
    /// </summary>
    public List<(string Instance, byte[] Checkpoint)> DedupImports { get; } = [];

    /// <summary>The partitions of <see cref="RemovedSources"/>, in the same order.</summary>
    public List<TopicPartition> RemovedPartitions { get; } = [];

    /// <summary>Set when the consumer thread waits for everything before it to be applied (a rebalance or shutdown).</summary>
    public ManualResetEventSlim? Barrier { get; set; }

    /// <summary>The <see cref="IDeliveryGate.Mark"/> taken after the engine applied this batch; its offsets wait for it.</summary>
    public long DeliveryMark { get; set; }

    /// <summary>The dead-letter publisher's mark taken after applying (<see cref="DeadLetterPublisher"/>); offsets wait for it too.</summary>
    public long DeadLetterMark { get; set; }

    /// <summary>Records consumed for this batch (events, rejected and end-of-partition markers excluded); counted when applied.</summary>
    public int Consumed { get; set; }

    /// <summary>Rejected records per <see cref="RejectReason"/>, counted when the batch is applied so a checkpoint taken then covers exactly them.</summary>
    public int[] Rejected { get; } = new int[Enum.GetValues<RejectReason>().Length];

    /// <summary>Whether any record of this batch was rejected.</summary>
    public bool HasRejected { get; set; }

    /// <summary>Set by the consumer thread when the engine must checkpoint after applying this batch (revocation, shutdown).</summary>
    public bool ForceCheckpoint { get; set; }

    /// <summary>The checkpoint the engine thread captured after applying this batch, or <c>null</c>.</summary>
    public byte[]? Checkpoint { get; set; }

    /// <summary>The offsets <see cref="Checkpoint"/> reflects, to commit once it is durable.</summary>
    public List<InputOffset> CheckpointOffsets { get; } = [];

    /// <summary>The engine thread's number of <see cref="Checkpoint"/> (1, 2, ...), for releasing output it holds once durable.</summary>
    public long CheckpointNumber { get; set; }

    public bool IsFull => Count == Events.Length;

    public bool IsEmpty => Count == 0 && CoveredSources.Count == 0 && AddedSources.Count == 0 && RemovedSources.Count == 0 && Barrier is null && Consumed == 0;

    /// <summary>Adds a parsed event; <paramref name="partition"/> <c>null</c> (no longer assigned) leaves its offset uncovered, never stored.</summary>
    public void Add(in FunnelEvent evt, int source, TopicPartition? partition, ConsumeResult<byte[], byte[]> record)
    {
        Events[Count] = evt;
        Sources[Count] = source;
        Records[Count] = record;
        Count++;
        if (partition is not null)
            Covers(source, partition, record.Offset.Value);
    }

    /// <summary>
    /// Notes that the batch covers <paramref name="offset"/> of <paramref name="partition"/> (source
    /// <paramref name="source"/>). Keyed by the small source id, not the <see cref="TopicPartition"/>,
    /// so the per-record cost is an array store, with no allocation or string hashing.
    /// </summary>
    public void Covers(int source, TopicPartition partition, long offset)
    {
        if ((uint)source >= (uint)_nextBySource.Length)
        {
            Array.Resize(ref _nextBySource, Math.Max(source + 1, _nextBySource.Length * 2));
            Array.Resize(ref _partitionBySource, _nextBySource.Length);
        }
        if (_partitionBySource[source] is null)
        {
            _partitionBySource[source] = partition;
            CoveredSources.Add(source);
        }
        _nextBySource[source] = offset + 1;
    }

    /// <summary>The partition a covered source stood for when this batch was filled, and the next offset to store for it.</summary>
    public (TopicPartition Partition, long Next) NextOffset(int source) => (_partitionBySource[source]!, _nextBySource[source]);

    public void Reset()
    {
        Array.Clear(Records, 0, Count);
        Count = 0;
        foreach (int source in CoveredSources)
            _partitionBySource[source] = null;
        CoveredSources.Clear();
        AddedSources.Clear();
        DedupImports.Clear();
        RemovedSources.Clear();
        AddedPartitions.Clear();
        RemovedPartitions.Clear();
        Barrier = null;
        Consumed = 0;
        if (HasRejected)
            Array.Clear(Rejected);
        HasRejected = false;
        ForceCheckpoint = false;
        Checkpoint = null;
        CheckpointNumber = 0;
        CheckpointOffsets.Clear();
        DeliveryMark = 0;
        DeadLetterMark = 0;
    }
}
