using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>The embedded broker keeps a consumer group's committed offsets for the next member.</summary>
public sealed class CommittedOffsetsTests
{
    private const string Topic = "offsets";
    private const string Group = "offsets-group";
    private const int Partitions = 3;
    private const int Batch = 30;

    [Fact]
    public void Subscribe_SameGroupAfterCommit_ResumesAfterCommittedOffsets()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic(Topic, Partitions);
        var log = new ClientLog();
        using IProducer<string, string> producer = KafkaTestClients.Producer(broker, log);

        KafkaTestClients.ProduceAll(producer, Topic, Messages("first", Batch));
        List<TopicPartitionOffset> committed;
        using (IConsumer<string, string> first = KafkaTestClients.Consumer(broker, Group, log))
        {
            first.Subscribe(Topic);
            List<ConsumeResult<string, string>> firstBatch = KafkaTestClients.ConsumeExactly(first, Batch, TimeSpan.FromSeconds(20), log);
            Assert.All(firstBatch, r => Assert.StartsWith("first-", r.Message.Value));
            committed = first.Commit();
            first.Close();
        }
        Assert.Equal(Batch, committed.Sum(c => c.Offset.Value));

        KafkaTestClients.ProduceAll(producer, Topic, Messages("second", Batch));
        using IConsumer<string, string> second = KafkaTestClients.Consumer(broker, Group, log);
        second.Subscribe(Topic);
        List<ConsumeResult<string, string>> secondBatch = KafkaTestClients.ConsumeExactly(second, Batch, TimeSpan.FromSeconds(20), log);

        // AutoOffsetReset is Earliest, so a lost commit would show up as "first-" records here.
        Assert.All(secondBatch, r => Assert.StartsWith("second-", r.Message.Value));
        Assert.Equal(committed.OrderBy(c => c.Partition.Value),
            second.Committed(second.Assignment, TimeSpan.FromSeconds(10)).OrderBy(c => c.Partition.Value));
        second.Close();
    }

    private static IEnumerable<Message<string, string>> Messages(string batch, int count) =>
        Enumerable.Range(0, count).Select(i => new Message<string, string> { Key = $"{batch}-{i}", Value = $"{batch}-{i}" });
}
