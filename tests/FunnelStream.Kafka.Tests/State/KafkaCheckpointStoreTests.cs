using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;
using FunnelStream.Kafka.Output;
using FunnelStream.Kafka.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunnelStream.Kafka.Tests.State;

/// <summary>The Kafka store on the embedded broker, which never compacts: the latest checkpoint is found by reading backwards.</summary>
public sealed class KafkaCheckpointStoreTests : CheckpointStoreContractTests, IDisposable
{
    private readonly EmbeddedKafkaBroker _broker;
    private readonly KafkaProducerHandle _producer;
    private readonly KafkaCheckpointStore _store;

    public KafkaCheckpointStoreTests()
    {
        _broker = EmbeddedKafkaBroker.Start();
        _broker.CreateTopic("funnel.state", 2);
        _producer = new KafkaProducerHandle(_broker.BootstrapServers, new Dictionary<string, string>(), NullLogger.Instance);
        _store = new KafkaCheckpointStore(_producer, _broker.BootstrapServers, new Dictionary<string, string>(),
            new StateOptions { ChunkBytes = 100_000, SaveTimeout = TimeSpan.FromSeconds(20) });
    }

    protected override ICheckpointStore Store => _store;

    [Fact]
    public void Load_LatestBuriedUnderManyNewerRecordsOfOtherKeys_Found()
    {
        _store.Save([new("g/t/0", new byte[] { 1, 2, 3 })]);
        for (int i = 0; i < 60; i++)
            _store.Save(Enumerable.Range(1, 20).Select(k => new KeyValuePair<string, ReadOnlyMemory<byte>>($"g/t/{k}", new byte[] { (byte)i })).ToList());

        IReadOnlyDictionary<string, byte[]> loaded = _store.Load(["g/t/0", "g/t/5"]);

        Assert.Equal([1, 2, 3], loaded["g/t/0"]);
        Assert.Equal([59], loaded["g/t/5"]);
    }

    [Fact]
    public async Task Load_NewerCheckpointCutShortByACrash_ReturnsThePreviousCompleteOne()
    {
        byte[] complete = new byte[250_000];
        complete.AsSpan().Fill(7);
        _store.Save([new("g/t/0", complete)]);
        // A crash after the first of three chunks of a newer checkpoint: written by hand, as the store would have.
        byte[] chunk = new byte[20 + 100_000];
        BinaryPrimitives.WriteInt32LittleEndian(chunk, 0x4B435346);
        BinaryPrimitives.WriteInt64LittleEndian(chunk.AsSpan(4), long.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(12), 0);
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(16), 3);
        await _producer.Producer.ProduceAsync("funnel.state", new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes("g/t/0"), Value = chunk });

        Assert.Equal(complete, _store.Load(["g/t/0"])["g/t/0"]);
    }

    [Fact]
    public void Load_CheckpointWhoseFirstChunksRetentionRemoved_ThrowsInsteadOfStartingEmpty()
    {
        // The embedded broker keeps about 5 MB per partition: a 3 MB checkpoint (30 chunks of 100 KB)
        // followed by 3 MB of other keys' checkpoints loses its first chunks, not its last.
        using var own = new OwnBroker(chunkBytes: 100_000);
        (EmbeddedKafkaBroker broker, KafkaCheckpointStore store) = (own.Broker, own.Store);
        store.Save([new("g/old", new byte[3_000_000])]);
        for (int i = 0; i < 3; i++)
            store.Save([new($"g/other-{i}", new byte[1_000_000])]);
        using (IConsumer<byte[], byte[]> probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "probe" }).Build())
            Assert.True(probe.QueryWatermarkOffsets(new TopicPartition("funnel.state", 0), TimeSpan.FromSeconds(10)).Low.Value is > 0 and < 30, "the broker did not truncate the head of the checkpoint only");

        CheckpointStoreException e = Assert.Throws<CheckpointStoreException>(() => store.Load(["g/old"]));

        Assert.Contains("'g/old'", e.Message, StringComparison.Ordinal);
        Assert.Contains("retention", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_TailBeyondFullChunks_SmallRecordsAndLoadsByteForByte()
    {
        using var own = new OwnBroker(chunkBytes: 200_000);
        (EmbeddedKafkaBroker broker, KafkaCheckpointStore store) = (own.Broker, own.Store);
        byte[] data = new byte[550_000]; // two full chunks and a tail of 150,000 bytes
        new Random(5).NextBytes(data);

        store.Save([new("g/t/0", data)]);

        Assert.Equal(data, store.Load(["g/t/0"])["g/t/0"]);
        // The tail goes in pieces a fresh array of which stays off the large-object heap (under 85,000 bytes).
        List<int> sizes = RecordSizes(broker.BootstrapServers, "funnel.state");
        Assert.Equal(2, sizes.Count(n => n == 20 + 200_000));
        Assert.Equal(150_000, sizes.Where(n => n != 20 + 200_000).Sum(n => n - 20));
        Assert.All(sizes.Where(n => n != 20 + 200_000), n => Assert.True(n < 85_000, $"a tail record of {n} bytes"));
    }

    /// <summary>A broker of its own with a one-partition <c>funnel.state</c> (the partition's records are then in order), and a store on it.</summary>
    private sealed class OwnBroker : IDisposable
    {
        private readonly KafkaProducerHandle _producer;

        public OwnBroker(int chunkBytes)
        {
            Broker = EmbeddedKafkaBroker.Start();
            Broker.CreateTopic("funnel.state", 1);
            _producer = new KafkaProducerHandle(Broker.BootstrapServers, new Dictionary<string, string>(), NullLogger.Instance);
            Store = new KafkaCheckpointStore(_producer, Broker.BootstrapServers, new Dictionary<string, string>(),
                new StateOptions { ChunkBytes = chunkBytes, SaveTimeout = TimeSpan.FromSeconds(20) });
        }

        public EmbeddedKafkaBroker Broker { get; }

        public KafkaCheckpointStore Store { get; }

        public void Dispose()
        {
            Store.Dispose();
            _producer.Dispose();
            Broker.Dispose();
        }
    }

    private static List<int> RecordSizes(string bootstrapServers, string topic)
    {
        using IConsumer<byte[], byte[]> reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "sizes",
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        reader.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var sizes = new List<int>();
        while (reader.Consume(TimeSpan.FromSeconds(10)) is { } r && !r.IsPartitionEOF)
            sizes.Add(r.Message.Value.Length);
        return sizes;
    }

    [Fact]
    public void Save_BrokerDown_ThrowsWithinTheTimeoutAndLaterSavesWork()
    {
        var store = new KafkaCheckpointStore(_producer, _broker.BootstrapServers, new Dictionary<string, string>(),
            new StateOptions { SaveTimeout = TimeSpan.FromSeconds(2) });
        store.Save([new("g/t/0", new byte[] { 1 })]);
        _broker.SetBrokerDown(1);

        Assert.Throws<CheckpointStoreException>(() => store.Save([new("g/t/0", new byte[] { 2 })]));

        _broker.SetBrokerUp(1);
        // Through the store with a 20 s timeout: reconnecting after the outage can take the client longer than 2 s.
        _store.Save([new("g/t/0", new byte[] { 3 })]);
        // The failed save may still be delivered once the broker is back, before the later one; never after it.
        Assert.Equal([3], _store.Load(["g/t/0"])["g/t/0"]);
    }

    public void Dispose()
    {
        _store.Dispose();
        _producer.Dispose();
        _broker.Dispose();
    }
}
