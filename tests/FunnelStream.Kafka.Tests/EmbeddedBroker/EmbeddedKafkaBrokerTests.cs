using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

public sealed class EmbeddedKafkaBrokerTests
{
    [Fact]
    public void Start_ThreeBrokers_BootstrapServersListsThreeListeningLoopbackPorts()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(3);

        Assert.Equal(3, broker.BrokerCount);
        IPEndPoint[] endpoints = Endpoints(broker);
        Assert.Equal(3, endpoints.Length);
        Assert.All(endpoints, e => Assert.Equal(IPAddress.Loopback, e.Address));
        Assert.Equal(3, endpoints.Select(e => e.Port).Distinct().Count());
        Assert.All(endpoints, e => Assert.True(AcceptsConnections(e), $"{e} refused a connection"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(EmbeddedKafkaBroker.MaxBrokers + 1)]
    public void Start_BrokerCountOutOfRange_ThrowsNamingBrokers(int brokers)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaBroker.Start(brokers));
        Assert.Equal("brokers", e.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(EmbeddedKafkaBroker.MaxPartitions + 1)]
    public void CreateTopic_PartitionsOutOfRange_ThrowsNamingPartitions(int partitions)
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => broker.CreateTopic("t", partitions));

        Assert.Equal("partitions", e.ParamName);
        Assert.Contains("partitions", e.Message);
    }

    [Fact]
    public void CreateTopic_ReplicationFactorAboveBrokerCount_ThrowsNamingReplicationFactor()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => broker.CreateTopic("t", 1, replicationFactor: 3));

        Assert.Equal("replicationFactor", e.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/ed")]
    public void CreateTopic_IllegalName_ThrowsNamingTheName(string name)
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();

        var e = Assert.Throws<ArgumentException>(() => broker.CreateTopic(name, 1));

        Assert.Equal("name", e.ParamName);
        Assert.Contains($"'{name}' is not a legal Kafka topic name", e.Message);
    }

    [Fact]
    public void CreateTopic_ExistingTopic_ThrowsTopicAlreadyExists()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic("twice", 2);

        var e = Assert.Throws<KafkaException>(() => broker.CreateTopic("twice", 2));

        Assert.Equal(ErrorCode.TopicAlreadyExists, e.Error.Code);
        Assert.Contains("creating topic 'twice'", e.Message);
        Assert.Contains("TOPIC_ALREADY_EXISTS", e.Message);
    }

    [Fact]
    public void CreateTopics_SeveralNames_CreatesEachWithThePartitionCount()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopics(["a", "b", "c"], 4);

        Metadata metadata = Metadata(broker, topic: null);

        Assert.Equal(["a", "b", "c"], metadata.Topics.Select(t => t.Topic).Order());
        Assert.All(metadata.Topics, t => Assert.Equal(4, t.Partitions.Count));
    }

    [Fact]
    public async Task Produce_TopicNotCreated_AutoCreatesItWithFourPartitions()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        var log = new ClientLog();
        using IProducer<string, string> producer = KafkaTestClients.Producer(broker, log);

        DeliveryResult<string, string> delivered = await producer.ProduceAsync("never.created", new Message<string, string> { Key = "k", Value = "v" });

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        TopicMetadata topic = Assert.Single(Metadata(broker, "never.created").Topics);
        Assert.Equal(4, topic.Partitions.Count);
    }

    [Fact]
    public void Produce_MoreThanFiveMebibytesToOnePartition_DropsTheOldestRecords()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic("capped", 1);
        var log = new ClientLog();
        const int records = 800, size = 10_000;
        using (IProducer<string, string> producer = KafkaTestClients.Producer(broker, log))
        {
            KafkaTestClients.ProduceAll(producer, "capped",
                Enumerable.Range(0, records).Select(i => new Message<string, string> { Key = $"k{i}", Value = new string('x', size) }));
        }

        using IConsumer<string, string> consumer = KafkaTestClients.Consumer(broker, "capped-reader", log);
        WatermarkOffsets kept = consumer.QueryWatermarkOffsets(new TopicPartition("capped", 0), TimeSpan.FromSeconds(10));

        Assert.Equal(records, kept.High.Value);
        Assert.True(kept.Low.Value > 0, "nothing was dropped");
        Assert.True((kept.High.Value - kept.Low.Value) * size <= 5 * 1024 * 1024, $"kept offsets {kept.Low}..{kept.High}");
    }

    [Fact]
    public void SetPartitionLeader_PartitionBeyondTheTopic_ThrowsKafkaException()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);
        broker.CreateTopic("led", 2);

        var e = Assert.Throws<KafkaException>(() => broker.SetPartitionLeader("led", 2, 1));

        Assert.Contains("leader of led [2]", e.Message);
    }

    [Fact]
    public async Task PushRequestErrors_Produce_FailsTheNextRequestThenServesNormally()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic("errors", 1);
        var log = new ClientLog();
        using IProducer<string, string> producer = KafkaTestClients.Producer(broker, log, c => c.MessageSendMaxRetries = 0);
        var message = new Message<string, string> { Key = "k", Value = "v" };

        broker.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas);
        var e = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync("errors", message));
        DeliveryResult<string, string> second = await producer.ProduceAsync("errors", message);

        Assert.Equal(ErrorCode.NotEnoughReplicas, e.Error.Code);
        Assert.Equal(PersistenceStatus.Persisted, second.Status);
    }

    [Fact]
    public async Task SetBrokerRtt_AllBrokers_DelaysEveryResponse()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic("slow", 1);
        var log = new ClientLog();
        using IProducer<string, string> producer = KafkaTestClients.Producer(broker, log);
        var message = new Message<string, string> { Key = "k", Value = "v" };
        await producer.ProduceAsync("slow", message);

        broker.SetBrokerRtt(EmbeddedKafkaBroker.AllBrokers, TimeSpan.FromMilliseconds(400));
        var clock = Stopwatch.StartNew();
        await producer.ProduceAsync("slow", message);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"delivered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void SetBrokerDown_Broker_RefusesConnectionsUntilSetBrokerUp()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);
        IPEndPoint second = Endpoints(broker)[1];

        broker.SetBrokerDown(2);
        bool acceptsWhileDown = AcceptsConnections(second);
        broker.SetBrokerUp(2);

        Assert.False(acceptsWhileDown);
        Assert.True(AcceptsConnections(second));
        Assert.True(AcceptsConnections(Endpoints(broker)[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-2)]
    public void SetBrokerDown_UnknownBrokerId_ThrowsNamingBrokerId(int brokerId)
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => broker.SetBrokerDown(brokerId));

        Assert.Equal("brokerId", e.ParamName);
        Assert.Contains("Broker ids run from 1 to 2", e.Message);
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrow()
    {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();

        broker.Dispose();
        broker.Dispose();
    }

    [Fact]
    public void Dispose_Started_PortsRefuseConnections()
    {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);
        IPEndPoint[] endpoints = Endpoints(broker);

        broker.Dispose();

        Assert.All(endpoints, e => Assert.False(AcceptsConnections(e), $"{e} still accepts connections"));
    }

    [Fact]
    public void CreateTopic_AfterDispose_ThrowsObjectDisposed()
    {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.Dispose();

        Assert.Throws<ObjectDisposedException>(() => broker.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => broker.SetBrokerDown(1));
    }

    private static IPEndPoint[] Endpoints(EmbeddedKafkaBroker broker) =>
        broker.BootstrapServers.Split(',').Select(IPEndPoint.Parse).ToArray();

    private static bool AcceptsConnections(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }

    private static Metadata Metadata(EmbeddedKafkaBroker broker, string? topic)
    {
        // A metadata request for one topic auto-creates it like a producer's does: only ask for topics that exist or should.
        using IAdminClient admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers })
            .SetLogHandler((_, _) => { })
            .Build();
        return topic is null ? admin.GetMetadata(TimeSpan.FromSeconds(10)) : admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
    }
}
