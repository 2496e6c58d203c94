using Confluent.Kafka;
using FunnelStream.Generator;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Cli;

/// <summary>Produces generated records to their topics, optionally paced so each is sent when the wall clock reaches its event time.</summary>
internal static class TrafficPublisher
{
    public static async Task<long> PublishAsync(IEnumerable<GeneratedRecord> records, string bootstrapServers, bool realtime,
        ILogger logger, CancellationToken stop)
    {
        using IProducer<string?, byte[]> producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "funnelstream-generator",
            EnableIdempotence = true,
            LingerMs = 5,
        })
        .SetLogHandler((_, m) => logger.LogDebug("librdkafka {Name}: {Message}", m.Name, m.Message))
        .Build();
        long sent = 0, failed = 0;
        Action<DeliveryReport<string?, byte[]>> onDelivery = r =>
        {
            if (r.Error.IsError)
                Interlocked.Increment(ref failed);
        };
        try
        {
            foreach (GeneratedRecord record in records)
            {
                if (stop.IsCancellationRequested)
                    break;
                if (realtime)
                {
                    TimeSpan wait = record.Timestamp - DateTimeOffset.UtcNow;
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), stop).ConfigureAwait(false);
                }
                while (true)
                {
                    try
                    {
                        producer.Produce(record.Topic, new Message<string?, byte[]> { Key = record.Key, Value = record.Value }, onDelivery);
                        break;
                    }
                    catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(100));
                    }
                }
                sent++;
            }
        }
        catch (OperationCanceledException)
        {
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        if (Interlocked.Read(ref failed) > 0)
            logger.LogWarning("{Failed} of {Sent} generated records were not delivered", failed, sent);
        return sent - Interlocked.Read(ref failed);
    }
}
