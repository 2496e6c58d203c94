using Confluent.Kafka;
using FunnelStream.Events;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// The records of one <see cref="IngestBatch"/>: each record's own copy of its key and value bytes, in
/// an arena of chunks reused from batch to batch, with its source, partition, offset and the client's
/// header object, and, once the engine thread has parsed them, the events and rejection reasons. No
/// allocation per record (issue 8).
/// </summary>
/// <remarks>
/// A store is a batch's bulk, and is pooled apart from the batch (<see cref="RecordStorePool"/>): the
/// engine thread hands it back as soon as the batch is applied, while the batch itself may still wait
/// for output acknowledgements and a checkpoint save before its offsets are stored. So only the stores
/// of batches being filled, queued or applied are ever in use, at most the channel's capacity plus three,
/// however many batches wait. When stores stayed with their batches, the pool held as many as once
/// waited (~700 at 50,000 events/s), and each of them grew to the larger fills in its turn, for as long
/// as the worker ran: the only growth of the heap between two dumps two minutes apart in the load
/// harness's freshness phase (~3 MB, promoted to gen 2; 2026-12-02, dotnet-gcdump), and so its
/// steady-state gen-2 collections.
/// </remarks>
internal sealed class RecordStore(int capacity)
{
    /// <summary>
    /// Records a new store has room for before its per-record arrays grow (doubling, up to the capacity).
    /// When the records stayed with their batches, the pool grew to the most batches ever in flight: at a
    /// steady 50,000 events/s most batches are sent by an empty poll with a few dozen records, and a few
    /// hundred of them waited behind a checkpoint save. Preallocated at 1,024 records with a 64 KB arena
    /// chunk (~170 KB each) that pool reached ~670 batches, 110 MB, all of it promoted to gen 2 as it
    /// grew: the small-object-budget gen-2 collections of the load harness's freshness phase (2026-12-02,
    /// traced with dotnet-gcdump). A store now costs what its largest fill needed, and only the stores of
    /// the batches being filled, queued or applied exist: at most the channel's capacity plus three (the
    /// consumer holds a full batch and the next one while it waits for room).
    /// </summary>
    internal const int InitialRecords = 32;

    /// <summary>Bytes of a new store's first arena chunk; each later chunk is twice the one before, up to <see cref="ChunkBytes"/>.</summary>
    internal const int FirstChunkBytes = 4096;

    /// <summary>Arena bytes at which a store, and its batch, counts as full (one record more may pass it).</summary>
    public const int ArenaLimit = 256 * 1024;

    /// <summary>
    /// The most bytes per arena chunk: 64 KB, under the large-object threshold (85,000 bytes). Each store
    /// is allocated once and reused; with one arena array that grew by doubling (to 128 and 256 KB for
    /// 1,024 records of ~160 B), every new one was large-object-heap memory, which counts toward a gen-2
    /// collection: ~300 such arrays in the first 100 s of a load-harness run at 50,000/s (traced with
    /// dotnet-trace). A record too large for a chunk gets an array of its own, dropped on <see cref="Clear"/>.
    /// </summary>
    internal const int ChunkBytes = 1 << ChunkShift;

    private const int ChunkShift = 16;

    // Positions in the arena: chunk << ChunkShift | offset, or ~n for the n-th record of its own.
    private readonly List<byte[]> _chunks = [new byte[Math.Min(FirstChunkBytes, ChunkBytes)]];
    private readonly List<byte[]> _oversized = [];
    private int _chunk;
    private int _chunkUsed;
    private int _arenaUsed;

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

    /// <summary>The arrays the arena holds now (tests).</summary>
    internal IEnumerable<byte[]> ArenaArrays => _chunks.Concat(_oversized);

    public FunnelEvent[] Events => _events;

    public RejectReason[] Reasons => _reasons;

    public int[] Sources => _sources;

    /// <summary>Records the store has room for now, before growing.</summary>
    public int Room => _events.Length;

    public int Count { get; private set; }

    public bool IsFull => Count == capacity || _arenaUsed >= ArenaLimit;

    public void Add(int source, TopicPartition partition, long offset, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, Headers? headers)
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

    public (TopicPartition Partition, long Offset, byte[]? Key, byte[] Value, Headers? Headers) Original(int i) =>
        (_partitions[i]!, _offsets[i], _keyLength[i] < 0 ? null : Stored(_keyAt[i], _keyLength[i]).ToArray(),
            Stored(_valueAt[i], _valueLength[i]).ToArray(), _headers[i]);

    private ReadOnlySpan<byte> Stored(int at, int length) =>
        at < 0 ? _oversized[~at] : _chunks[at >> ChunkShift].AsSpan(at & (ChunkBytes - 1), length);

    /// <summary>Empties the store for the next batch, keeping its grown arrays and chunks, dropping records too large for a chunk and the references to the client's objects.</summary>
    public void Clear()
    {
        Array.Clear(_headers, 0, Count);
        Array.Clear(_partitions, 0, Count);
        Count = 0;
        _arenaUsed = 0;
        _chunk = 0;
        _chunkUsed = 0;
        _oversized.Clear();
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
}

/// <summary>
/// The record stores handed back by the engine thread after applying a batch, taken by the consumer
/// thread for the next batch it fills (<see cref="RecordStore"/>). Thread-safe; no allocation per
/// store handed back once its queue has grown to the stores in use.
/// </summary>
internal sealed class RecordStorePool(int capacity)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<RecordStore> _free = new();
    private int _created;

    /// <summary>Stores made so far: at most the batches ever being filled, queued or applied at once.</summary>
    public int Created => Volatile.Read(ref _created);

    public RecordStore Rent()
    {
        if (_free.TryDequeue(out RecordStore? store))
            return store;
        Interlocked.Increment(ref _created);
        return new RecordStore(capacity);
    }

    public void Return(RecordStore store) => _free.Enqueue(store);
}
