using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>kcat, a client outside this process, sees the embedded broker as a Kafka cluster.</summary>
public sealed class KcatInteropTests
{
    private static readonly TimeSpan KcatTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void KcatList_CreatedTopic_ListsTopicWithItsPartitions()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(2);
        broker.CreateTopic("kcat.listed", 3);

        Kcat.Result result = Kcat.Run(["-b", broker.BootstrapServers, "-L", "-t", "kcat.listed"], stdin: null, KcatTimeout);

        Assert.True(result.ExitCode == 0, $"kcat -L exited with {result.ExitCode}: {result.Stderr}");
        Assert.Contains("2 brokers:", result.Stdout);
        Assert.Contains("topic \"kcat.listed\" with 3 partitions:", result.Stdout);
    }

    [Fact]
    public void KcatProduce_KeyedLines_ConfluentConsumerReadsThem()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        const string topic = "kcat.produced";
        broker.CreateTopic(topic, 3);
        string[] lines = Enumerable.Range(0, 20).Select(i => $"k{i}:line {i}").ToArray();

        Kcat.Result result = Kcat.Run(["-b", broker.BootstrapServers, "-P", "-t", topic, "-K", ":"], string.Join('\n', lines) + "\n", KcatTimeout);
        Assert.True(result.ExitCode == 0, $"kcat -P exited with {result.ExitCode}: {result.Stderr}");

        var log = new ClientLog();
        using IConsumer<string, string> consumer = KafkaTestClients.Consumer(broker, "kcat-reader", log);
        // Assigned rather than subscribed: no group join needed to read a whole topic.
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        List<ConsumeResult<string, string>> consumed = KafkaTestClients.ConsumeExactly(consumer, lines.Length, TimeSpan.FromSeconds(15), log);

        Assert.Equal(lines.Order(), consumed.Select(c => $"{c.Message.Key}:{c.Message.Value}").Order());
    }

    [Fact]
    public void KcatConsume_ConfluentProducedRecords_ReadsEveryRecord()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        const string topic = "kcat.consumed";
        broker.CreateTopic(topic, 3);
        var log = new ClientLog();
        using (IProducer<string, string> producer = KafkaTestClients.Producer(broker, log))
        {
            KafkaTestClients.ProduceAll(producer, topic,
                Enumerable.Range(0, 20).Select(i => new Message<string, string> { Key = $"k{i}", Value = $"value {i}" }));
        }

        // -e: exit at the end of every partition, so the run ends by itself.
        Kcat.Result result = Kcat.Run(["-b", broker.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n"], stdin: null, KcatTimeout);

        Assert.True(result.ExitCode == 0, $"kcat -C exited with {result.ExitCode}: {result.Stderr}");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"k{i}=value {i}").Order(),
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }
}
