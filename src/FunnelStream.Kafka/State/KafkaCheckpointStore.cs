using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using FunnelStream.Kafka.Output;

namespace FunnelStream.Kafka.State;

/// <summary>
/// Checkpoints as records of a Kafka topic (default <c>funnel.state</c>), keyed by
/// <see cref="CheckpointKeys"/>. Correct without compaction: the latest checkpoint of a key is found
/// by reading each partition of the topic backwards from its end, in growing steps, until a complete
/// checkpoint of the key is seen. A checkpoint larger than one record is split into chunks
/// (<see cref="StateOptions.ChunkBytes"/>), each carrying the checkpoint's id and its index; only a
/// checkpoint whose every chunk arrived counts, so a crash half-way through a save leaves the
/// previous one in force. Compaction (recommended on a real cluster) only saves space.
/// </summary>
/// <remarks>Chunk value layout: magic <c>FSCK</c>, checkpoint id (int64), chunk index, chunk count (int32), payload.</remarks>
public sealed class KafkaCheckpointStore : ICheckpointStore
{
    private const int Magic = 0x4B435346; // "FSCK"
    private const int HeaderBytes = 20;
    private const int FirstStep = 64;

    private readonly KafkaProducerHandle _producer;
    private readonly string _topic;
    private readonly string _bootstrapServers;
    private readonly IReadOnlyDictionary<string, string> _client;
    private readonly StateOptions _options;
    private long _nextId = DateTime.UtcNow.Ticks;

    public KafkaCheckpointStore(KafkaProducerHandle producer, string bootstrapServers, IReadOnlyDictionary<string, string> client, StateOptions options)
    {
        _producer = producer;
        _bootstrapServers = bootstrapServers;
        _client = client;
        _options = options;
        _topic = options.Topic;
    }

    /// <summary>The largest piece the end of a checkpoint is produced in (see <see cref="Save"/>).</summary>
    internal const int TailPieceBytes = 64 * 1024;

    // Save's reused chunk array (saves are not concurrent: one caller thread).
    private byte[]? _fullChunk;

    public string Description => $"kafka topic {_topic}";

    public void Save(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> checkpoints)
    {
        var deliveries = new List<Task<DeliveryResult<byte[]?, byte[]>>>();
        foreach ((string key, ReadOnlyMemory<byte> memory) in checkpoints)
        {
            ReadOnlySpan<byte> data = memory.Span;
            byte[] keyBytes = Encoding.UTF8.GetBytes(key);
            long id = Interlocked.Increment(ref _nextId);
            int chunk = _options.ChunkBytes;
            // Full chunks, then the rest in pieces under the large-object threshold (85,000 bytes): a
            // fresh array for a partial chunk of up to ChunkBytes would be large-object-heap memory every
            // save, and those are collected only in gen 2. The reader joins chunks of any sizes.
            int full = data.Length / chunk;
            int piece = Math.Min(chunk, TailPieceBytes);
            int count = Math.Max(1, full + (data.Length - full * chunk + piece - 1) / piece);
            for (int i = 0; i < count; i++)
            {
                int from = i < full ? i * chunk : full * chunk + (i - full) * piece;
                int length = Math.Min(i < full ? chunk : piece, data.Length - from);
                // Every full chunk reuses one array: the client copies the value when producing, and the
                // chunks of a large checkpoint would otherwise be fresh large-object-heap arrays each save.
                byte[] value = length == chunk ? FullChunk(chunk) : new byte[HeaderBytes + length];
                BinaryPrimitives.WriteInt32LittleEndian(value, Magic);
                BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(4), id);
                BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(12), i);
                BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(16), count);
                data.Slice(from, length).CopyTo(value.AsSpan(HeaderBytes));
                deliveries.Add(_producer.Producer.ProduceAsync(_topic, new Message<byte[]?, byte[]> { Key = keyBytes, Value = value }));
            }
        }
        try
        {
            if (!Task.WhenAll(deliveries).Wait(_options.SaveTimeout))
                throw new CheckpointStoreException($"checkpoints to {_topic} not acknowledged within {_options.SaveTimeout.TotalSeconds:0.#} s");
        }
        catch (AggregateException e) when (e.InnerException is ProduceException<byte[]?, byte[]> p)
        {
            throw new CheckpointStoreException($"checkpoint to {_topic} failed: {p.Error.Code}: {p.Error.Reason}", p);
        }
    }

    private byte[] FullChunk(int chunk) =>
        _fullChunk is { } buffer && buffer.Length == HeaderBytes + chunk ? buffer : _fullChunk = new byte[HeaderBytes + chunk];

    public IReadOnlyDictionary<string, byte[]> Load(IReadOnlyCollection<string> keys)
    {
        var found = new Dictionary<string, byte[]>();
        if (keys.Count == 0)
            return found;
        var wanted = keys.ToDictionary(k => k, k => Encoding.UTF8.GetBytes(k));
        var config = new ConsumerConfig(_client.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            BootstrapServers = _bootstrapServers,
            GroupId = "funnelstream-state-reader",
            ClientId = "funnelstream-state-reader",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchMaxBytes = Math.Max(52_428_800, _options.ChunkBytes * 4),
            MaxPartitionFetchBytes = Math.Max(1_048_576, _options.ChunkBytes + 4096),
        };
        using IConsumer<byte[]?, byte[]> consumer = new ConsumerBuilder<byte[]?, byte[]>(config).Build();
        foreach (int partition in Partitions(consumer))
        {
            var tp = new TopicPartition(_topic, partition);
            WatermarkOffsets w = consumer.QueryWatermarkOffsets(tp, _options.SaveTimeout);
            long low = w.Low.Value, high = w.High.Value;
            var missing = wanted.Where(k => !found.ContainsKey(k.Key)).ToDictionary(k => k.Key, k => k.Value);
            long step = FirstStep;
            long end = high;
            // Per key, the latest complete checkpoint seen in this partition: (offset of its last chunk, bytes).
            var latest = new Dictionary<string, (long Offset, byte[] Data)>();
            var headless = new HashSet<string>();
            while (end > low && missing.Count > 0)
            {
                long start = Math.Max(low, end - step);
                headless.Clear();
                // Re-read [start, high): a checkpoint may straddle the previous range's start.
                foreach ((string key, long offset, byte[] data) in CompleteIn(consumer, tp, start, high, missing, headless))
                {
                    if (!latest.TryGetValue(key, out var seen) || seen.Offset < offset)
                        latest[key] = (offset, data);
                }
                foreach (string key in latest.Keys)
                    missing.Remove(key);
                end = start;
                step *= 4;
            }
            // Read from the log start and still no complete checkpoint of a key, but one whose first
            // chunk is gone: retention removed it (chunks are written first to last; a crash in the
            // middle of a save leaves the last ones missing, not the first). Starting from empty state
            // would silently drop what it held.
            foreach (string key in headless)
            {
                if (!latest.ContainsKey(key))
                {
                    throw new CheckpointStoreException(
                        $"the latest checkpoint of '{key}' in {tp} has lost its first chunks to the topic's retention (log start offset {low}); "
                        + "it cannot be restored. Give the topic compaction or a retention well above the checkpoint size and interval "
                        + "(the embedded broker keeps about 5 MB per partition: use State:Store directory there)");
                }
            }
            foreach ((string key, (long _, byte[] data)) in latest)
                found.TryAdd(key, data);
        }
        return found;
    }

    private List<int> Partitions(IConsumer<byte[]?, byte[]> consumer)
    {
        using IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        Metadata metadata = admin.GetMetadata(_topic, _options.SaveTimeout);
        TopicMetadata? topic = metadata.Topics.FirstOrDefault(t => t.Topic == _topic);
        if (topic is null || topic.Error.IsError)
            throw new CheckpointStoreException($"checkpoint topic {_topic} is not readable: {topic?.Error.Reason ?? "not found"}; create it (see docs/topics.md)");
        return topic.Partitions.Select(p => p.PartitionId).Order().ToList();
    }

    /// <summary>Reads [<paramref name="start"/>, <paramref name="end"/>) and returns every complete checkpoint of the wanted keys, in log order.</summary>
    /// <remarks>Keys with a checkpoint whose first chunk was not in the range are added to <paramref name="headless"/>.</remarks>
    private List<(string Key, long Offset, byte[] Data)> CompleteIn(IConsumer<byte[]?, byte[]> consumer, TopicPartition tp, long start, long end,
        Dictionary<string, byte[]> wanted, HashSet<string> headless)
    {
        var complete = new List<(string, long, byte[])>();
        var pending = new Dictionary<(string Key, long Id), byte[]?[]>();
        consumer.Assign(new TopicPartitionOffset(tp, start));
        DateTime deadline = DateTime.UtcNow + _options.SaveTimeout;
        long next = start;
        while (next < end)
        {
            if (DateTime.UtcNow > deadline)
                throw new CheckpointStoreException($"reading checkpoints from {tp} timed out at offset {next} of {end}");
            ConsumeResult<byte[]?, byte[]>? r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null)
                continue;
            if (r.IsPartitionEOF)
                break;
            next = r.Offset.Value + 1;
            if (r.Offset.Value >= end || r.Message.Key is not { } key || r.Message.Value is not { Length: >= HeaderBytes } value)
                continue;
            string? name = null;
            foreach ((string k, byte[] bytes) in wanted)
            {
                if (bytes.AsSpan().SequenceEqual(key))
                {
                    name = k;
                    break;
                }
            }
            if (name is null || BinaryPrimitives.ReadInt32LittleEndian(value) != Magic)
                continue;
            long id = BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(4));
            int index = BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(12));
            int count = BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(16));
            if (count < 1 || index < 0 || index >= count)
                continue;
            if (!pending.TryGetValue((name, id), out byte[]?[]? chunks))
                pending[(name, id)] = chunks = new byte[count][];
            if (chunks.Length != count)
                continue;
            chunks[index] = value[HeaderBytes..];
            if (chunks.All(c => c is not null))
            {
                pending.Remove((name, id));
                complete.Add((name, r.Offset.Value, chunks.SelectMany(c => c!).ToArray()));
            }
        }
        consumer.Unassign();
        foreach (((string key, long _), byte[]?[] chunks) in pending)
        {
            if (chunks[0] is null)
                headless.Add(key);
        }
        return complete;
    }

    public void Dispose()
    {
    }
}
