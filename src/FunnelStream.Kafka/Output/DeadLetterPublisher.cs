using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Forwards a rejected or late record, unchanged (key, value, headers), to the dead-letter topic
/// with four headers added: <c>funnelstream-reject-reason</c> (a <see cref="RejectReasons"/> label),
/// <c>funnelstream-source-topic</c>, <c>funnelstream-source-partition</c> and
/// <c>funnelstream-source-offset</c> (decimal text). Thread-safe.
/// </summary>
public sealed class DeadLetterPublisher(KafkaProducerHandle producer, string topic, IngestStats stats)
{
    public const string ReasonHeader = "funnelstream-reject-reason";
    public const string SourceTopicHeader = "funnelstream-source-topic";
    public const string SourcePartitionHeader = "funnelstream-source-partition";
    public const string SourceOffsetHeader = "funnelstream-source-offset";

    private static readonly byte[][] ReasonBytes =
        Enum.GetValues<RejectReason>().Select(r => Encoding.UTF8.GetBytes(RejectReasons.Label(r))).ToArray();

    private readonly Action<DeliveryReport<byte[]?, byte[]>> _onDelivery = report =>
    {
        if (report.Error.IsError)
            stats.AddDeadLetterError();
        else
            stats.AddDeadLettered();
    };

    /// <summary>The dead-letter topic.</summary>
    public string Topic { get; } = topic;

    internal void Publish(ConsumeResult<byte[], byte[]> record, RejectReason reason)
    {
        var headers = new Headers();
        if (record.Message.Headers is { } original)
        {
            foreach (IHeader h in original)
                headers.Add(h.Key, h.GetValueBytes());
        }
        headers.Add(ReasonHeader, ReasonBytes[(int)reason]);
        headers.Add(SourceTopicHeader, Encoding.UTF8.GetBytes(record.Topic ?? ""));
        headers.Add(SourcePartitionHeader, Encoding.UTF8.GetBytes(record.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(SourceOffsetHeader, Encoding.UTF8.GetBytes(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        producer.Produce(Topic, new Message<byte[]?, byte[]>
        {
            Key = record.Message.Key,
            Value = record.Message.Value ?? [],
            Headers = headers,
        }, _onDelivery);
    }
}
