using Confluent.Kafka;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;
using FunnelStream.Kafka.Output;
using FunnelStream.Kafka.State;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// What the consumer thread hands the engine thread: records (their key and value bytes, source
/// partition, offset and headers) for the engine thread to parse and apply, and to dead-letter if
/// rejected or late, the offsets the batch covers, partition assignment changes, and an optional
/// barrier to signal once applied. Pooled: the engine thread returns it after use.
/// </summary>
/// <remarks>
/// The records are in a <see cref="RecordStore"/>: the batch's own copy of their key and value bytes, in an
/// arena of chunks of up to 64 KB reused from batch to batch, with their offsets and the client's header
/// objects: no allocation per record (issue 8). The engine thread hands the store back as soon as it has
/// applied the batch (<see cref="DetachRecords"/>). A batch is full at <c>capacity</c> events or once its
/// arena holds <see cref="RecordStore.ArenaLimit"/> bytes, so large records make smaller batches, not large arenas.
/// </remarks>
internal sealed class IngestBatch(int capacity, bool withRecords = true)
{
    // The records, in a store of their own: the engine thread hands it back (to the consumer's
    // store pool) as soon as the batch is applied, while the batch itself may wait for output
    // acknowledgements and a checkpoint save before its offsets are stored. See RecordStore.
    private RecordStore? _records = withRecords ? new(capacity) : null;

    /// <summary>The arrays the arena holds now (tests).</summary>
    internal IEnumerable<byte[]> ArenaArrays => Records.ArenaArrays;

    private RecordStore Records => _records ?? throw new InvalidOperationException("the batch's records were handed back after it was applied");

    /// <summary>
    /// The parsed events, <see cref="Count"/> of them from the start (the array may be longer; it grows as
    /// the batch fills), once <see cref="Parse"/> has run; <c>default</c> where <see cref="Reasons"/> is not <see cref="RejectReason.None"/>.
    /// </summary>
    public FunnelEvent[] Events => Records.Events;

    /// <summary>Why each record was rejected by <see cref="Parse"/>, or <see cref="RejectReason.None"/>.</summary>
    public RejectReason[] Reasons => Records.Reasons;

    /// <summary>The source of each of <see cref="Events"/>.</summary>
    public int[] Sources => Records.Sources;

    /// <summary>Records the batch has room for now, before growing (tests).</summary>
    internal int Room => Records.Room;

    /// <summary>Records in the batch (0 once its records were handed back).</summary>
    public int Count => _records?.Count ?? 0;

    /// <summary>Whether the batch holds a record store (one handed back after applying is replaced before the batch is filled again).</summary>
    public bool HasRecords => _records is not null;

    /// <summary>Engine thread, once the batch is applied: takes its records out, emptied, to hand back for another batch.</summary>
    public RecordStore DetachRecords()
    {
        RecordStore records = Records;
        records.Clear();
        _records = null;
        return records;
    }

    /// <summary>Consumer thread: gives a batch whose records were handed back an (empty) store to fill.</summary>
    public void AttachRecords(RecordStore records)
    {
        if (_records is not null)
            throw new InvalidOperationException("the batch already holds a record store");
        _records = records;
    }

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

    /// <summary>Set by the consumer thread when the engine must checkpoint after applying this batch (revocation, shutdown).</summary>
    public bool ForceCheckpoint { get; set; }

    /// <summary>The checkpoint the engine thread captured after applying this batch, or <c>null</c>.</summary>
    public CapturedCheckpoint? Checkpoint { get; set; }

    /// <summary>The offsets <see cref="Checkpoint"/> reflects, to commit once it is durable.</summary>
    public List<InputOffset> CheckpointOffsets { get; } = [];

    /// <summary>The engine thread's number of <see cref="Checkpoint"/> (1, 2, ...), for releasing output it holds once durable.</summary>
    public long CheckpointNumber { get; set; }

    public bool IsFull => _records is { } r && r.IsFull;

    public bool IsEmpty => Count == 0 && CoveredSources.Count == 0 && AddedSources.Count == 0 && RemovedSources.Count == 0 && Barrier is null && Consumed == 0;

    /// <summary>
    /// Adds a copy of a record's key (<c>null</c>: none) and value, to parse on the engine thread and to
    /// dead-letter should it be rejected or late. <paramref name="covered"/> <c>false</c> (the partition is
    /// no longer assigned) leaves its offset uncovered, never stored.
    /// </summary>
    public void Add(int source, TopicPartition partition, bool covered, long offset,
        ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, Headers? headers)
    {
        Records.Add(source, partition, offset, key, keyIsNull, value, headers);
        if (covered)
            Covers(source, partition, offset);
    }

    /// <summary>
    /// Engine thread: parses every record's value into <see cref="Events"/>, and notes in <see cref="Reasons"/>
    /// why one is rejected. Returns how many were.
    /// </summary>
    public int Parse(EventParser parser) => Records.Parse(parser);

    /// <summary>Event <paramref name="i"/>'s original record: partition, offset, key (<c>null</c>: none), value and headers.</summary>
    public (TopicPartition Partition, long Offset, byte[]? Key, byte[] Value, Headers? Headers) Original(int i) => Records.Original(i);

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
        _records?.Clear();
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
        ForceCheckpoint = false;
        Checkpoint = null;
        CheckpointNumber = 0;
        CheckpointOffsets.Clear();
        DeliveryMark = 0;
        DeadLetterMark = 0;
    }
}
