using System.Diagnostics;
using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>Confluent.Kafka clients for the embedded broker, with conservative settings and their logs kept in a <see cref="ClientLog"/>.</summary>
internal static class KafkaTestClients
{
    public static IProducer<string, string> Producer(EmbeddedKafkaBroker broker, ClientLog log, Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            ClientId = "test-producer",
            LingerMs = 5,
            // A record that cannot be delivered fails the test in seconds, not after the 5-minute default.
            MessageTimeoutMs = 15000,
        };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config)
            .SetLogHandler((_, m) => log.Add("producer", m))
            .SetErrorHandler((_, e) => log.Add("producer", e))
            .Build();
    }

    /// <summary>A consumer that starts from the earliest offset and does not commit on its own.</summary>
    public static IConsumer<string, string> Consumer(EmbeddedKafkaBroker broker, string groupId, ClientLog log, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            ClientId = "test-consumer",
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            // The broker's minimum; a lower one makes the group notice a gone member sooner.
            SessionTimeoutMs = 6000,
        };
        configure?.Invoke(config);
        return new ConsumerBuilder<string, string>(config)
            .SetLogHandler((_, m) => log.Add("consumer", m))
            .SetErrorHandler((_, e) => log.Add("consumer", e))
            .Build();
    }

    /// <summary>
    /// Consumes until <paramref name="count"/> records have arrived, failing the test if they have
    /// not by <paramref name="timeout"/>. Joining a group on the mock takes about 3 s (its initial
    /// rebalance delay), which a subscribed consumer spends inside this call.
    /// </summary>
    public static List<ConsumeResult<string, string>> ConsumeExactly(IConsumer<string, string> consumer, int count, TimeSpan timeout, ClientLog log)
    {
        var records = new List<ConsumeResult<string, string>>(count);
        var clock = Stopwatch.StartNew();
        while (records.Count < count)
        {
            if (clock.Elapsed > timeout)
                Assert.Fail($"Consumed {records.Count} of {count} records within {timeout.TotalSeconds:0} s. Client log:{Environment.NewLine}{log.Tail()}");
            ConsumeResult<string, string>? record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is { IsPartitionEOF: false })
                records.Add(record);
        }
        return records;
    }

    /// <summary>Produces and waits for every delivery report; fails the test on any delivery error.</summary>
    public static List<DeliveryResult<string, string>> ProduceAll(IProducer<string, string> producer, string topic, IEnumerable<Message<string, string>> messages)
    {
        List<Task<DeliveryResult<string, string>>> pending = messages.Select(m => producer.ProduceAsync(topic, m)).ToList();
        producer.Flush(TimeSpan.FromSeconds(15));
        return pending.Select(t => t.GetAwaiter().GetResult()).ToList();
    }
}
