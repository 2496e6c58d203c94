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
/// The original records are kept as the batch's own copy of their key and value bytes, in an arena
/// of 64 KB chunks reused from batch to batch, with their offsets and the client's header objects: no allocation per
/// record (issue 8). A batch is full at <c>capacity</c> events or once its arena holds
/// <see cref="ArenaLimit"/> bytes, so large records make smaller batches, not large arenas.
/// </remarks>
internal sealed class IngestBatch(int capacity)
{
    /// <summary>
    /// Records a new batch has room for before its per-record arrays grow (doubling, up to the capacity).
    /// Batches are pooled, and the pool grows to the most batches ever in flight: at a steady
    /// 50,000 events/s most batches are sent by an empty poll with a few dozen records, and a few
    /// hundred of them wait behind a checkpoint save. Preallocated at 1,024 records with a 64 KB arena
    /// chunk (~170 KB each) that pool reached ~670 batches, 110 MB, all of it promoted to gen 2 as it
    /// grew: the small-object-budget gen-2 collections of the load harness's freshness phase (2026-12-02,
    /// traced with dotnet-gcdump). A batch now costs what its largest fill needed.
    /// </summary>
    internal const int InitialRecords = 32;

    /// <summary>Bytes of a new batch's first arena chunk; each later chunk is twice the one before, up to <see cref="ChunkBytes"/>.</summary>
    internal const int FirstChunkBytes = 4096;

    /// <summary>Arena bytes at which a batch counts as full (one record more may pass it).</summary>
    public const int ArenaLimit = 256 * 1024;

    /// <summary>
    /// The most bytes per arena chunk: 64 KB, under the large-object threshold (85,000 bytes). The pool grows to
    /// as many batches as are ever in flight, each allocated once; with one arena array that grew by
    /// doubling (to 128 and 256 KB for 1,024 records of ~160 B), every new batch was large-object-heap
    /// memory, which counts toward a gen-2 collection: ~300 such arrays in the first 100 s of a
    /// load-harness run at 50,000/s (traced with dotnet-trace). A record too large for a chunk gets an
    /// array of its own, dropped on <see cref="Reset"/>.
    /// </summary>
    internal const int ChunkBytes = 1 << ChunkShift;

    private const int ChunkShift = 16;

    // Positions in the arena: chunk << ChunkShift | offset, or ~n for the n-th record of its own.
    private readonly List<byte[]> _chunks = [new byte[Math.Min(FirstChunkBytes, ChunkBytes)]];
    private readonly List<byte[]> _oversized = [];
    private int _chunk;
    private int _chunkUsed;
    private int _arenaUsed;

    /// <summary>The arrays the arena holds now (tests).</summary>
    internal IEnumerable<byte[]> ArenaArrays => _chunks.Concat(_oversized);

    private int[] _keyAt = new int[Math.Min(capacity, InitialRecords)];
    private int[] _keyLength = new int[Math.Min(capacity, InitialRecords)];
    private int[] _valueAt = new int[Math.Min(capacity, InitialRecords)];
    private int[] _valueLength = new int[Math.Min(capacity, InitialRecords)];
    private long[] _offsets = new long[Math.Min(capacity, InitialRecords)];
    private TopicPartition?[] _partitions = new TopicPartition?[Math.Min(capacity, InitialRecords)];
    private Headers?[] _headers = new Headers?[Math.Min(capacity, InitialRecords)];
    private FunnelEvent[] _events = new FunnelEvent[Math.Min(capacity, InitialRecords)];
    private RejectReason[] _reasons = new RejectReason[Math.Min(capacity, InitialRecords)];
    private int[] _sources = new int[Math.Min(capacity, InitialRecords)];

    /// <summary>
    /// The parsed events, <see cref="Count"/> of them from the start (the array may be longer; it grows as
    /// the batch fills), once <see cref="Parse"/> has run; <c>default</c> where <see cref="Reasons"/> is not <see cref="RejectReason.None"/>.
    /// </summary>
    public FunnelEvent[] Events => _events;

    /// <summary>Why each record was rejected by <see cref="Parse"/>, or <see cref="RejectReason.None"/>.</summary>
    public RejectReason[] Reasons => _reasons;

    /// <summary>The source of each of <see cref="Events"/>.</summary>
    public int[] Sources => _sources;

    /// <summary>Records the batch has room for now, before growing (tests).</summary>
    internal int Room => _events.Length;

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

    /// <summary>Set by the consumer thread when the engine must checkpoint after applying this batch (revocation, shutdown).</summary>
    public bool ForceCheckpoint { get; set; }

    /// <summary>The checkpoint the engine thread captured after applying this batch, or <c>null</c>.</summary>
    public CapturedCheckpoint? Checkpoint { get; set; }

    /// <summary>The offsets <see cref="Checkpoint"/> reflects, to commit once it is durable.</summary>
    public List<InputOffset> CheckpointOffsets { get; } = [];

    /// <summary>The engine thread's number of <see cref="Checkpoint"/> (1, 2, ...), for releasing output it holds once durable.</summary>
    public long CheckpointNumber { get; set; }

    public bool IsFull => Count == capacity || _arenaUsed >= ArenaLimit;

    public bool IsEmpty => Count == 0 && CoveredSources.Count == 0 && AddedSources.Count == 0 && RemovedSources.Count == 0 && Barrier is null && Consumed == 0;

    /// <summary>
    /// Adds a copy of a record's key (<c>null</c>: none) and value, to parse on the engine thread and to
    /// dead-letter should it be rejected or late. <paramref name="covered"/> <c>false</c> (the partition is
    /// no longer assigned) leaves its offset uncovered, never stored.
    /// </summary>
    public void Add(int source, TopicPartition partition, bool covered, long offset,
        ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, Headers? headers)
    {
        int i = Count;
        if (i == _events.Length)
            Grow();
        _sources[i] = source;
        _partitions[i] = partition;
        _offsets[i] = offset;
        _headers[i] = headers;
        _keyAt[i] = Append(key);
        _keyLength[i] = keyIsNull ? -1 : key.Length;
        _valueAt[i] = Append(value);
        _valueLength[i] = value.Length;
        Count = i + 1;
        if (covered)
            Covers(source, partition, offset);
    }

    private void Grow()
    {
        int length = Math.Min(capacity, _events.Length * 2);
        Array.Resize(ref _events, length);
        Array.Resize(ref _reasons, length);
        Array.Resize(ref _sources, length);
        Array.Resize(ref _keyAt, length);
        Array.Resize(ref _keyLength, length);
        Array.Resize(ref _valueAt, length);
        Array.Resize(ref _valueLength, length);
        Array.Resize(ref _offsets, length);
        Array.Resize(ref _partitions, length);
        Array.Resize(ref _headers, length);
    }

    /// <summary>
    /// Engine thread: parses every record's value into <see cref="Events"/>, and notes in <see cref="Reasons"/>
    /// why one is rejected. Returns how many were.
    /// </summary>
    public int Parse(EventParser parser)
    {
        int rejected = 0;
        for (int i = 0; i < Count; i++)
        {
            RejectReason reason = parser.Parse(Stored(_valueAt[i], _valueLength[i]), out _events[i]);
            _reasons[i] = reason;
            if (reason != RejectReason.None)
                rejected++;
        }
        return rejected;
    }

    /// <summary>Event <paramref name="i"/>'s original record: partition, offset, key (<c>null</c>: none), value and headers.</summary>
    public (TopicPartition Partition, long Offset, byte[]? Key, byte[] Value, Headers? Headers) Original(int i) =>
        (_partitions[i]!, _offsets[i], _keyLength[i] < 0 ? null : Stored(_keyAt[i], _keyLength[i]).ToArray(),
            Stored(_valueAt[i], _valueLength[i]).ToArray(), _headers[i]);

    private ReadOnlySpan<byte> Stored(int at, int length) =>
        at < 0 ? _oversized[~at] : _chunks[at >> ChunkShift].AsSpan(at & (ChunkBytes - 1), length);

    /// <summary>Drops the references to the records' header objects once applied (the batch may wait for deliveries before it is reused).</summary>
    public void ReleaseRecords()
    {
        Array.Clear(_headers, 0, Count);
        Array.Clear(_partitions, 0, Count);
    }

    private int Append(ReadOnlySpan<byte> bytes)
    {
        _arenaUsed += bytes.Length;
        if (bytes.Length > ChunkBytes)
        {
            _oversized.Add(bytes.ToArray());
            return ~(_oversized.Count - 1);
        }
        while (_chunkUsed + bytes.Length > _chunks[_chunk].Length)
        {
            // The next chunk, reused or new: 4, 8, 16, 32, then 64 KB; one too small for the record is skipped.
            _chunk++;
            _chunkUsed = 0;
            if (_chunk == _chunks.Count)
                _chunks.Add(new byte[Math.Max(Math.Min(ChunkBytes, FirstChunkBytes << Math.Min(_chunk, 8)), bytes.Length)]);
        }
        bytes.CopyTo(_chunks[_chunk].AsSpan(_chunkUsed));
        int at = _chunk << ChunkShift | _chunkUsed;
        _chunkUsed += bytes.Length;
        return at;
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
        ReleaseRecords();
        Count = 0;
        _arenaUsed = 0;
        _chunk = 0;
        _chunkUsed = 0;
        _oversized.Clear();
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
