using System.Collections.Concurrent;
using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>
/// An idempotent producer rides out a broker outage on the embedded cluster: every record is
/// delivered once, in order, when the broker is back.
/// </summary>
public sealed class BrokerOutageTests
{
    private const string Topic = "outage";
    private const int Brokers = 3;
    private const int BeforeOutage = 90;
    private const int DuringOutage = 150;
    private const int DownBroker = 2;
    private const int PartitionOfDownBroker = 1;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public void SetBrokerDownThenUp_IdempotentProducer_DeliversEveryRecordOnceInOrder()
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(Brokers);
        broker.CreateTopic(Topic, partitions: Brokers, replicationFactor: Brokers);
        // Leaders are placed at random; pin partition p to broker p + 1 so the outage hits one partition.
        for (int p = 0; p < Brokers; p++)
            broker.SetPartitionLeader(Topic, p, p + 1);

        var log = new ClientLog();
        var reports = new ConcurrentQueue<DeliveryReport<string, string>>();
        int othersTotal = (BeforeOutage + DuringOutage) / Brokers * (Brokers - 1);
        using var othersDelivered = new CountdownEvent(othersTotal);
        using IProducer<string, string> producer = KafkaTestClients.Producer(broker, log, c =>
        {
            c.EnableIdempotence = true;
            c.RetryBackoffMs = 100;
            c.ReconnectBackoffMs = 100;
            c.ReconnectBackoffMaxMs = 500;
        });
        var sent = new List<Message<string, string>>[Brokers];
        for (int p = 0; p < Brokers; p++)
            sent[p] = [];

        void Produce(int from, int count)
        {
            for (int i = from; i < from + count; i++)
            {
                int partition = i % Brokers;
                var message = new Message<string, string> { Key = $"k{i}", Value = $"record {i}" };
                sent[partition].Add(message);
                producer.Produce(new TopicPartition(Topic, partition), message, report =>
                {
                    reports.Enqueue(report);
                    if (report.Partition != PartitionOfDownBroker)
                        othersDelivered.Signal();
                });
            }
        }

        // No flush before the outage: some of these records may still be in flight when the broker
        // drops its connections, and the producer must retry them without writing them twice.
        Produce(0, BeforeOutage);
        broker.SetBrokerDown(DownBroker);
        Produce(BeforeOutage, DuringOutage);

        // The other partitions' leaders are up: their records arrive while the down broker's wait.
        Assert.True(othersDelivered.Wait(Deadline),
            $"The records for the brokers that stayed up were not delivered within {Deadline.TotalSeconds:0} s. Client log:{Environment.NewLine}{log.Tail()}");
        Assert.InRange(reports.Count(r => r.Partition == PartitionOfDownBroker), 0, BeforeOutage / Brokers);

        broker.SetBrokerUp(DownBroker);
        Assert.Equal(0, producer.Flush(Deadline));
        Assert.Equal(BeforeOutage + DuringOutage, reports.Count);
        Assert.All(reports, r => Assert.False(r.Error.IsError, $"{r.TopicPartitionOffset}: {r.Error}"));

        using IConsumer<string, string> consumer = KafkaTestClients.Consumer(broker, "outage-reader", log);
        consumer.Assign(Enumerable.Range(0, Brokers).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        List<ConsumeResult<string, string>> consumed = KafkaTestClients.ConsumeExactly(consumer, BeforeOutage + DuringOutage, Deadline, log);
        for (int p = 0; p < Brokers; p++)
        {
            List<ConsumeResult<string, string>> partition = consumed.Where(c => c.Partition == p).OrderBy(c => c.Offset.Value).ToList();
            // Offsets 0..n-1 with no gap and no repeat: the retried requests were not written twice.
            Assert.Equal(Enumerable.Range(0, sent[p].Count).Select(o => (long)o), partition.Select(c => c.Offset.Value));
            Assert.Equal(sent[p].Select(m => (m.Key, m.Value)), partition.Select(c => (c.Message.Key, c.Message.Value)));
        }
    }
}
