using Confluent.Kafka;
using FunnelStream.Generator;

namespace FunnelStream.LoadHarness;

/// <summary>Writes the generated events once to <see cref="BrokerProcess.EventsTopic"/>, round-robin over its partitions (each stays in event-time order).</summary>
internal static class Preloader
{
    /// <summary>About 110 campaigns x the default channels: some 600 breakdown slots, so /metrics carries about 10k series.</summary>
    public static TrafficOptions Traffic(DateTimeOffset start) => new()
    {
        Seed = 8,
        Start = start,
        Duration = TimeSpan.FromDays(1),
        EventsPerSecond = 2_000,
        Campaigns = Enumerable.Range(0, 110).Select(i => $"campaign-{i:D3}").ToList(),
        IdPrefix = "bench-",
    };

    public static (long Records, long Bytes) Load(string bootstrap, int events, int partitions)
    {
        var generator = new TrafficGenerator(Traffic(DateTimeOffset.UtcNow.AddHours(-1)));
        using IProducer<Null, byte[]> producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 20,
            BatchSize = 1_000_000,
            Acks = Acks.Leader,
        }).Build();
        long failed = 0, bytes = 0, n = 0;
        Action<DeliveryReport<Null, byte[]>> onDelivery = r =>
        {
            if (r.Error.IsError)
                Interlocked.Increment(ref failed);
        };
        foreach (GeneratedRecord record in generator.Generate().Take(events))
        {
            var tp = new TopicPartition(BrokerProcess.EventsTopic, (int)(n % partitions));
            while (true)
            {
                try
                {
                    producer.Produce(tp, new Message<Null, byte[]> { Value = record.Value }, onDelivery);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
            bytes += record.Value.Length;
            n++;
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        if (Interlocked.Read(ref failed) > 0)
            throw new InvalidOperationException($"{failed} of {n} pre-loaded records were not delivered");
        return (n, bytes);
    }
}
