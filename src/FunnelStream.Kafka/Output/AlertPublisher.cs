using System.Text;
using Confluent.Kafka;
using FunnelStream.Engine.Leakage;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Produces leakage alert records (docs/topics.md, <c>funnel.alerts</c>) on the shared producer: key
/// the alert id (so one alert's opened, updated and resolved records share a partition and stay in
/// order), value the record's JSON, header <c>funnelstream-alert-kind</c>. Does not wait for delivery.
/// Thread-safe.
/// </summary>
public sealed class AlertPublisher : ILeakageAlertSink
{
    public const string KindHeader = "funnelstream-alert-kind";

    private readonly KafkaProducerHandle _producer;
    private readonly Action<DeliveryReport<byte[]?, byte[]>> _onDelivery;
    private long _delivered;
    private long _failed;

    /// <param name="producer">The shared producer.</param>
    /// <param name="topic">The alerts topic.</param>
    /// <param name="onFailure">Called (on the producer's thread) with each record that could not be delivered.</param>
    public AlertPublisher(KafkaProducerHandle producer, string topic, Action<DeliveryReport<byte[]?, byte[]>>? onFailure = null)
    {
        _producer = producer;
        Topic = topic;
        _onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
                onFailure?.Invoke(report);
            }
            else
            {
                Interlocked.Increment(ref _delivered);
            }
        };
    }

    /// <summary>The alerts topic.</summary>
    public string Topic { get; }

    /// <summary>Records delivered. Any thread.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Records that failed delivery. Any thread.</summary>
    public long Failed => Volatile.Read(ref _failed);

    public void OnAlert(LeakageAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        _producer.Produce(Topic, new Message<byte[]?, byte[]>
        {
            Key = Encoding.UTF8.GetBytes(alert.AlertId),
            Value = alert.ToJsonUtf8(),
            Headers = new Headers { { KindHeader, Encoding.UTF8.GetBytes(LeakageAlert.KindName(alert.Kind)) } },
        }, _onDelivery);
    }
}
