using Confluent.Kafka;
using FunnelStream.Configuration;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Kafka.Output;
using FunnelStream.Metrics;
using FunnelStream.Outputs.Prometheus;
using FunnelStream.Outputs.Topics;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Hosting;

/// <summary>
/// The worker's KPI topics (issue 5, docs/topics.md): the engine's window sink, created with the
/// engine; at start the publisher on the shared producer, the metrics, the rolling snapshots and, in
/// merge mode, the partial-aggregate merger.
/// </summary>
internal sealed class KpiOutputs
{
    private const int KpiTopicIndex = 0;
    private const int RollingTopicIndex = 1;
    private const int PartialsTopicIndex = 2;
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(30);
    private readonly ResolvedSettings _resolved;
    private readonly OutputSettings _settings;
    private readonly KpiTopicTarget _kpiTarget = new();
    private readonly KpiTopicTarget _partialsTarget = new(MergeProgressPublisher.Schema);
    private readonly string _instance;

    public KpiOutputs(ResolvedSettings settings)
    {
        _resolved = settings;
        _settings = settings.Raw.Outputs;
        bool checkpoints = settings.State.Store != Kafka.State.StateStoreKind.None;
        _instance = checkpoints ? settings.State.InstanceId : Guid.NewGuid().ToString("N");
        if (string.IsNullOrEmpty(_settings.KpiTopic))
            return;
        if (_settings.MergeInstances)
        {
            // Partial reports go out at once: the merger numbers funnel.kpis itself, keeps the highest
            // report sequence per instance, and needs every report before the progress claims after it.
            WindowSink = new PartialWindowReports(settings.Funnel, _instance, _partialsTarget);
            return;
        }
        // With checkpoints, window records wait for the checkpoint that includes them (docs/reliability.md).
        IKpiRecordTarget target = checkpoints ? Gated = new CheckpointGatedRecords(_kpiTarget) : _kpiTarget;
        WindowSink = new KpiWindowRecords(new WindowMetrics(settings.Funnel, settings.Kpis), settings.Raw.Events.Currency, target);
    }

    /// <summary>
    /// The window sink's records, held until a checkpoint that includes them is durable; <c>null</c>
    /// without checkpoints or window records.
    /// </summary>
    public CheckpointGatedRecords? Gated { get; }

    /// <summary>
    /// This instance's id in partial aggregates: the reporter's, which a restored checkpoint brings
    /// back; with checkpoints that is <c>FunnelStream:State:InstanceId</c>, so a restarted instance's
    /// reports replace its earlier ones; without, one id per process.
    /// </summary>
    public string Instance => (WindowSink as PartialWindowReports)?.Instance ?? _instance;

    /// <summary>The engine's window sink; <c>null</c> when no window records are published.</summary>
    public IProvisionalWindowSink? WindowSink { get; }

    /// <summary>The <c>message.timeout.ms</c> the shared producer uses.</summary>
    public string DeliveryTimeoutMs => ((long)_settings.DeliveryTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates the publisher on <paramref name="producer"/>, registers its metrics, and attaches the sinks' targets.</summary>
    public OutputPublisher Start(KafkaProducerHandle producer, MetricsRegistry registry, ILogger logger)
    {
        var stats = new OutputStats([_settings.KpiTopic, _settings.RollingTopic, _settings.PartialsTopic]);
        var publisher = new OutputPublisher(producer, stats, _settings.RetryBackoff, logger, TimeProvider.System);
        _kpiTarget.Attach(publisher, KpiTopicIndex);
        _partialsTarget.Attach(publisher, PartialsTopicIndex);
        registry.Register(new OutputMetricsCollector(stats));
        return publisher;
    }

    /// <summary>
    /// In merge mode: starts the merger (its own consumer group, <c>&lt;GroupId&gt;.kpi-merge</c>) and
    /// returns the progress hook for the ingest pipeline; otherwise <c>null</c>. Reads the partition
    /// counts of the input and partials topics, which must exist.
    /// </summary>
    public (Task Merger, Action<IReadOnlyCollection<TopicPartition>> AfterApply)? StartMerge(
        IngestOptions ingest, KafkaProducerHandle producer, OutputPublisher publisher, FunnelEngine engine, ILogger logger, CancellationToken stop)
    {
        if (!_settings.MergeInstances || WindowSink is null)
            return null;
        using IAdminClient admin = new DependentAdminClientBuilder(producer.Producer.Handle).Build();
        int PartitionCount(string topic)
        {
            TopicMetadata? t = admin.GetMetadata(topic, MetadataTimeout).Topics.FirstOrDefault(m => m.Topic == topic);
            if (t is null || t.Error.IsError || t.Partitions.Count == 0)
                throw new InvalidOperationException($"topic '{topic}' is not available ({t?.Error.Reason ?? "no metadata"}); merge mode (FunnelStream:Outputs:MergeInstances) needs it to exist");
            return t.Partitions.Count;
        }
        (string, int)[] inputs = ingest.Topics.SelectMany(topic => Enumerable.Range(0, PartitionCount(topic)).Select(p => (topic, p))).ToArray();
        int partials = PartitionCount(_settings.PartialsTopic);
        var metrics = new WindowMetrics(_resolved.Funnel, _resolved.Kpis);
        string currency = _resolved.Raw.Events.Currency;
        var merger = new KpiMerger(ingest.BootstrapServers, ingest.Client, ingest.GroupId + ".kpi-merge", _settings.PartialsTopic,
            new PartialRecordCodec(_resolved.Funnel), () => new KpiMergePartition(metrics, currency, inputs, _kpiTarget), publisher, producer, logger);
        var progress = new MergeProgressPublisher(engine, _resolved.Engine.AllowedLateness, publisher, PartialsTopicIndex, partials, Instance);
        return (merger.RunAsync(stop), progress.AfterApply);
    }

    /// <summary>Publishes rolling snapshots until <paramref name="stop"/> fires, when configured; otherwise completes at once.</summary>
    public Task RunRollingAsync(FunnelEngine engine, IReadOnlyList<TimeSpan> windows, OutputPublisher publisher, CancellationToken stop) =>
        _settings.RollingInterval <= TimeSpan.Zero
            ? Task.CompletedTask
            : new RollingSnapshotPublisher(engine, windows, publisher, RollingTopicIndex, _settings.RollingInterval, TimeProvider.System).RunAsync(stop);
}
