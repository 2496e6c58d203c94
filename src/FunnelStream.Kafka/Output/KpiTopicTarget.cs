using FunnelStream.Outputs.Topics;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Sends records to one output topic (<c>funnel.kpis</c>, or <c>funnel.kpis.partials</c>) with the
/// given schema header. Created with the engine (before Kafka is known) and attached to the
/// <see cref="OutputPublisher"/> when the worker starts; records are published only after that.
/// </summary>
public sealed class KpiTopicTarget(string schema) : IKpiRecordTarget
{
    /// <summary>The <see cref="OutputPublisher.SchemaHeader"/> value of window records.</summary>
    public static readonly string Schema = $"funnelstream.kpi.window/{KpiRecordSchema.Window}";

    /// <summary>A target for window records.</summary>
    public KpiTopicTarget()
        : this(Schema)
    {
    }

    private OutputPublisher? _publisher;
    private int _topic;

    /// <summary>Routes records to topic number <paramref name="topic"/> of <paramref name="publisher"/>.</summary>
    public void Attach(OutputPublisher publisher, int topic)
    {
        _publisher = publisher;
        _topic = topic;
    }

    /// <inheritdoc />
    public void Publish(KpiRecord record)
    {
        OutputPublisher publisher = _publisher ?? throw new InvalidOperationException("the KPI topic target is not attached to a publisher yet");
        publisher.Publish(_topic, record.Key, record.Value, schema, record.Revision);
    }
}
