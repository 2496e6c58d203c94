using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// The one producer every output topic shares (dead letters, and later KPI and alert records):
/// idempotent, acks from all in-sync replicas. Thread-safe, like the client it wraps.
/// </summary>
public sealed class KafkaProducerHandle : IDisposable
{
    private readonly IProducer<byte[]?, byte[]> _producer;

    public KafkaProducerHandle(string bootstrapServers, IReadOnlyDictionary<string, string> client, ILogger logger)
    {
        var config = new ProducerConfig(client.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            BootstrapServers = bootstrapServers,
            ClientId = "funnelstream-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // Dead letters forward records unchanged, and a rejected record may be large.
            MessageMaxBytes = 16 * 1024 * 1024,
        };
        _producer = new ProducerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) => logger.Log(KafkaLog.LevelOf(e), "Kafka producer error {Code}: {Reason}", e.Code, e.Reason))
            .SetLogHandler((_, m) => KafkaLog.Write(logger, m))
            .Build();
    }

    /// <summary>The underlying producer.</summary>
    public IProducer<byte[]?, byte[]> Producer => _producer;

    /// <summary>
    /// Produces without waiting for delivery; when the client's queue is full, waits for room
    /// (polling delivery reports) rather than dropping the record.
    /// </summary>
    public void Produce(string topic, Message<byte[]?, byte[]> message, Action<DeliveryReport<byte[]?, byte[]>> onDelivery)
    {
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, onDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    /// <summary>As <see cref="Produce(string, Message{byte[], byte[]}, Action{DeliveryReport{byte[], byte[]}})"/>, to one partition (<see cref="Partition.Any"/>: the partitioner decides).</summary>
    public void Produce(TopicPartition destination, Message<byte[]?, byte[]> message, Action<DeliveryReport<byte[]?, byte[]>> onDelivery)
    {
        while (true)
        {
            try
            {
                _producer.Produce(destination, message, onDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    /// <summary>Waits until every produced record is delivered or failed; returns the number still in flight.</summary>
    public int Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose() => _producer.Dispose();
}
