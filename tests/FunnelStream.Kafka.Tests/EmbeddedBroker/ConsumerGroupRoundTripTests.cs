using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>Records produced to the embedded broker come back intact to a consumer in a group.</summary>
public sealed class ConsumerGroupRoundTripTests
{
    private const string Topic = "roundtrip";
    private const int Partitions = 3;
    private const int Records = 300;

    [Fact]
    public void Subscribe_RecordsProducedToThreePartitions_ConsumesEveryRecordIntact()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic(Topic, Partitions);
        var log = new ClientLog();

        List<DeliveryResult<string, string>> delivered;
        using (IProducer<string, string> producer = KafkaTestClients.Producer(broker, log))
        {
            delivered = KafkaTestClients.ProduceAll(producer, Topic,
                Enumerable.Range(0, Records).Select(i => new Message<string, string> { Key = $"key-{i % 50}", Value = $"value-{i}-é✓" }));
        }
        Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        Assert.Equal(Partitions, delivered.Select(d => d.Partition.Value).Distinct().Count());

        using IConsumer<string, string> consumer = KafkaTestClients.Consumer(broker, "roundtrip-group", log);
        consumer.Subscribe(Topic);
        List<ConsumeResult<string, string>> consumed = KafkaTestClients.ConsumeExactly(consumer, Records, TimeSpan.FromSeconds(20), log);
        consumer.Close();

        // Same records at the same positions: nothing lost, duplicated, altered or moved.
        Assert.Equal(
            delivered.Select(d => (d.TopicPartitionOffset, d.Message.Key, d.Message.Value)).OrderBy(r => r.TopicPartitionOffset.Partition.Value).ThenBy(r => r.TopicPartitionOffset.Offset.Value),
            consumed.Select(c => (c.TopicPartitionOffset, c.Message.Key, c.Message.Value)).OrderBy(r => r.TopicPartitionOffset.Partition.Value).ThenBy(r => r.TopicPartitionOffset.Offset.Value));
        // One key, one partition, in produce order.
        foreach (IGrouping<string, ConsumeResult<string, string>> key in consumed.GroupBy(c => c.Message.Key))
        {
            Assert.Single(key.Select(c => c.Partition.Value).Distinct());
            Assert.Equal(key.Select(c => c.Message.Value).OrderBy(v => int.Parse(v.Split('-')[1])), key.Select(c => c.Message.Value));
        }
    }
}
