using FunnelStream.Configuration;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Kafka.Output;
using FunnelStream.Metrics;
using FunnelStream.Outputs.Prometheus;
using FunnelStream.Outputs.Topics;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Hosting;

/// <summary>
/// The worker's KPI topics (issue 5, docs/topics.md): the engine's window sink for
/// <c>funnel.kpis</c>, created with the engine, and at start the publisher on the shared producer,
/// the rolling snapshots and the metrics.
/// </summary>
internal sealed class KpiOutputs
{
    private const int KpiTopicIndex = 0;
    private const int RollingTopicIndex = 1;
    private readonly OutputSettings _settings;
    private readonly KpiTopicTarget _target = new();

    public KpiOutputs(ResolvedSettings settings)
    {
        _settings = settings.Raw.Outputs;
        WindowSink = string.IsNullOrEmpty(_settings.KpiTopic)
            ? null
            : new KpiWindowRecords(new WindowMetrics(settings.Funnel), settings.Raw.Events.Currency, _target);
    }

    /// <summary>The engine's window sink; <c>null</c> when no window records are published.</summary>
    public KpiWindowRecords? WindowSink { get; }

    /// <summary>The <c>message.timeout.ms</c> the shared producer uses.</summary>
    public string DeliveryTimeoutMs => ((long)_settings.DeliveryTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates the publisher on <paramref name="producer"/>, registers its metrics, and attaches the window sink.</summary>
    public OutputPublisher Start(KafkaProducerHandle producer, MetricsRegistry registry, ILogger logger)
    {
        var stats = new OutputStats([_settings.KpiTopic, _settings.RollingTopic]);
        var publisher = new OutputPublisher(producer, stats, _settings.RetryBackoff, logger, TimeProvider.System);
        _target.Attach(publisher, KpiTopicIndex);
        registry.Register(new OutputMetricsCollector(stats));
        return publisher;
    }

    /// <summary>Publishes rolling snapshots until <paramref name="stop"/> fires, when configured; otherwise completes at once.</summary>
    public Task RunRollingAsync(FunnelEngine engine, IReadOnlyList<TimeSpan> windows, OutputPublisher publisher, CancellationToken stop) =>
        _settings.RollingInterval <= TimeSpan.Zero
            ? Task.CompletedTask
            : new RollingSnapshotPublisher(engine, windows, publisher, RollingTopicIndex, _settings.RollingInterval, TimeProvider.System).RunAsync(stop);
}
