using System.Text;
using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;
using FunnelStream.Kafka.Output;
using FunnelStream.Kafka.Tests.EmbeddedBroker;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunnelStream.Kafka.Tests.Output;

/// <summary>
/// Output records survive a broker outage: failed deliveries are counted and produced again, and
/// the delivery gate (what holds the worker's input offsets) stays closed until they are acknowledged.
/// </summary>
public sealed class OutputPublisherTests
{
    private const string Topic = "out";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Publish_BrokerDown_ErrorsCountedGateHeldThenDeliveredOnceWhenBack()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic(Topic, 1);
        using var handle = new KafkaProducerHandle(broker.BootstrapServers,
            new Dictionary<string, string> { ["message.timeout.ms"] = "1500" }, NullLogger.Instance);
        var stats = new OutputStats([Topic]);
        await using var publisher = new OutputPublisher(handle, stats, TimeSpan.FromMilliseconds(200), NullLogger.Instance, TimeProvider.System);

        publisher.Publish(0, "k1"u8.ToArray(), "{\"n\":1}"u8.ToArray(), "test/1", revision: 0);
        long first = publisher.Mark();
        Assert.True(SpinWait.SpinUntil(() => publisher.IsDeliveredThrough(first), Deadline), "the first record was not delivered");
        Assert.Equal(1, stats.Delivered(0));

        broker.SetBrokerDown(EmbeddedKafkaBroker.AllBrokers);
        publisher.Publish(0, "k2"u8.ToArray(), "{\"n\":2}"u8.ToArray(), "test/1", revision: 1);
        long second = publisher.Mark();
        Assert.True(SpinWait.SpinUntil(() => stats.DeliveryErrors(0) >= 2, Deadline), "delivery errors were not counted while the broker was down");
        Assert.False(publisher.IsDeliveredThrough(second));
        Assert.True(publisher.IsDeliveredThrough(first));
        Assert.Equal(1, stats.Pending);

        broker.SetBrokerUp(EmbeddedKafkaBroker.AllBrokers);
        Assert.True(SpinWait.SpinUntil(() => publisher.IsDeliveredThrough(second), Deadline), "the record was not delivered after the broker came back");
        Assert.Equal(0, stats.Pending);
        Assert.Equal(2, stats.Delivered(0));

        var log = new ClientLog();
        using IConsumer<string, string> consumer = KafkaTestClients.Consumer(broker, "out-reader", log);
        consumer.Assign(new TopicPartitionOffset(Topic, 0, Offset.Beginning));
        List<ConsumeResult<string, string>> read = KafkaTestClients.ConsumeExactly(consumer, 2, Deadline, log);
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], read.Select(r => r.Message.Value));
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(1))); // delivered once, not once per attempt
        Assert.Equal("1", Encoding.UTF8.GetString(read[1].Message.Headers.GetLastBytes(OutputPublisher.RevisionHeader)));
    }
}
