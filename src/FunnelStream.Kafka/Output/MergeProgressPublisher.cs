using Confluent.Kafka;
using FunnelStream.Engine;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// After each batch the engine applied, tells the mergers how far this instance has reported the
/// windows of its partitions: a <see cref="PartialProgress"/> sent to every partition of
/// <c>funnel.kpis.partials</c> whenever it changed (engine thread; docs/topics.md, "Several instances").
/// Sent through the same producer as the reports, after them, so each partition holds an instance's
/// reports before its claim.
/// </summary>
public sealed class MergeProgressPublisher(FunnelEngine engine, TimeSpan allowedLateness, OutputPublisher publisher, int partialsTopic, int partialsPartitions, string instance)
{
    /// <summary>The <see cref="OutputPublisher.SchemaHeader"/> value of partial records.</summary>
    public static readonly string Schema = $"funnelstream.kpi.partial/{PartialRecordCodec.Schema}";

    private readonly PartialRecordCodec _codec = new(engine.Funnel);
    private readonly byte[] _key = System.Text.Encoding.UTF8.GetBytes($"{{\"progress\":\"{instance}\"}}");
    private readonly long _latenessMs = (long)allowedLateness.TotalMilliseconds;
    private (string Topic, int Partition)[] _claimed = [];
    private long _closed = long.MinValue;
    private long _flushed = long.MinValue;

    /// <summary>Claims progress for <paramref name="partitions"/> if anything changed since the last claim.</summary>
    public void AfterApply(IReadOnlyCollection<TopicPartition> partitions)
    {
        long watermark = engine.Watermark;
        long closed = watermark == long.MinValue ? long.MinValue : watermark - _latenessMs;
        long flushed = engine.FlushedThroughMs;
        (string, int)[] claimed = partitions.Select(p => (p.Topic, p.Partition.Value)).Order().ToArray();
        if (closed == _closed && flushed == _flushed && claimed.AsSpan().SequenceEqual(_claimed))
            return;
        _closed = closed;
        _flushed = flushed;
        _claimed = claimed;
        if (claimed.Length == 0 || (closed == long.MinValue && flushed == long.MinValue))
            return;
        byte[] value = _codec.Encode(new PartialProgress(instance, claimed, closed, flushed));
        for (int p = 0; p < partialsPartitions; p++)
            publisher.PublishTo(partialsTopic, new Partition(p), _key, value, Schema);
    }
}
