using FunnelStream.Configuration;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Kafka.Output;
using FunnelStream.Kafka.State;
using FunnelStream.Metrics;
using FunnelStream.Outputs.Prometheus;
using FunnelStream.Outputs.Topics;
using FunnelStream.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Hosting;

/// <summary>
/// The live worker: Kafka ingest feeding the engine, and a small Kestrel server with
/// <c>/metrics</c>, <c>/healthz/live</c> and <c>/healthz/ready</c>. Used by <c>run</c> and <c>demo</c>.
/// </summary>
internal sealed class Worker
{
    private readonly ResolvedSettings _settings;
    private readonly ILoggerFactory _loggers;

    public Worker(ResolvedSettings settings, ILoggerFactory loggers)
    {
        _settings = settings;
        _loggers = loggers;
        Interners = settings.Funnel.Dimensions.Select(d => new DimensionInterner(d, settings.MaxValuesFor(d))).ToArray();
        Outputs = new KpiOutputs(settings);
        // Rolling sales cycles only: the live worker reports KPIs over rolling windows, not closed ones.
        SalesCycles = settings.Journeys is null ? null : new SalesCycleTracker([], settings.Engine.AllowedLateness);
        Journeys = settings.Journeys is null ? null : new JourneyStore(settings.Funnel, settings.Journeys, SalesCycles);
        Engine = new FunnelEngine(settings.Funnel, settings.Engine, Interners, Outputs.WindowSink, journeys: Journeys);
        Stats = new IngestStats();
        Registry = new MetricsRegistry();
        if (settings.Leakage is not null)
        {
            _alerts = new LeakageAlertRouter(loggers.CreateLogger("FunnelStream.Leakage"));
            Leakage = LeakageDetector.Attach(Engine, settings.Leakage, _alerts);
        }
    }

    private readonly LeakageAlertRouter? _alerts;

    /// <summary>The leakage detector, or <c>null</c> when <c>FunnelStream:Leakage:Enabled</c> is false.</summary>
    public LeakageDetector? Leakage { get; }

    public DimensionInterner[] Interners { get; }

    public FunnelEngine Engine { get; }

    /// <summary>The journey store the engine feeds; <c>null</c> when <c>FunnelStream:Journeys:Enabled</c> is false.</summary>
    public JourneyStore? Journeys { get; }

    /// <summary>The KPI topics (docs/topics.md).</summary>
    internal KpiOutputs Outputs { get; }

    /// <summary>The mean sales cycle of the journeys won in the rolling windows, for sales velocity; <c>null</c> without journeys.</summary>
    public SalesCycleTracker? SalesCycles { get; }

    public IngestStats Stats { get; }

    /// <summary>Checkpoint counters (<c>funnel_state_*</c>).</summary>
    public StateStats StateStats { get; } = new();

    public MetricsRegistry Registry { get; }

    /// <summary>Wraps the checkpoint store <c>FunnelStream:State:Store</c> opens (tests: a store that saves slowly).</summary>
    internal Func<ICheckpointStore, ICheckpointStore>? StateStoreDecorator { get; set; }

    /// <summary>Ignore the client's all-brokers-down event, so that only its statistics reports detect outages (tests of that path).</summary>
    internal bool IgnoreAllBrokersDownEvent { get; set; }

    /// <summary>The address the web server listens on, once started.</summary>
    public string? ListenAddress { get; private set; }

    /// <summary>Runs until <paramref name="stop"/> fires, then shuts down cleanly; throws on a fatal Kafka error.</summary>
    public async Task RunAsync(string bootstrapServers, Action<string>? onListening, CancellationToken stop)
    {
        ILogger logger = _loggers.CreateLogger("FunnelStream.Worker");
        IngestOptions ingest = _settings.Ingest(bootstrapServers);
        var producerClient = new Dictionary<string, string>(ingest.Client) { ["message.timeout.ms"] = Outputs.DeliveryTimeoutMs };
        using var producer = new KafkaProducerHandle(ingest.BootstrapServers, producerClient, _loggers.CreateLogger("FunnelStream.Kafka.Producer"));
        await using OutputPublisher publisher = Outputs.Start(producer, Registry, _loggers.CreateLogger("FunnelStream.Kafka.Output"));
        var parser = new EventParser(_settings.Funnel, _settings.Parser, Interners);
        using ICheckpointStore? store = OpenStateStore(ingest, producer);
        StateCheckpointer? checkpoints = null;
        IReadOnlyList<InputOffset> restored = [];
        if (store is not null)
        {
            StateOptions state = _settings.State;
            checkpoints = new StateCheckpointer(store, ingest.GroupId, state.InstanceId, CheckpointedParts(),
                state.Interval, StateStats, _loggers.CreateLogger("FunnelStream.State"));
            restored = checkpoints.Restore(); // before consuming, and before /metrics is served
        }
        var merge = Outputs.StartMerge(ingest, producer, publisher, Engine, _loggers.CreateLogger("FunnelStream.Kafka.Merge"), stop);
        var pipeline = new KafkaIngestPipeline(ingest, Engine, parser, Stats, producer,
            _loggers.CreateLogger("FunnelStream.Kafka.Ingest"), TimeProvider.System) { DeliveryGate = publisher, AfterApply = merge?.AfterApply, Checkpoints = checkpoints, RestoredOffsets = restored, GatedOutput = Outputs.Gated,
            IgnoreAllBrokersDownEvent = IgnoreAllBrokersDownEvent };
        Task rolling = Outputs.RunRollingAsync(Engine, _settings.Engine.RollingWindows, publisher, stop);

        Registry.Register(new EngineMetricsCollector(Engine, _settings.Engine.RollingWindows));
        Registry.Register(new KpiMetricsCollector(Engine, _settings.Engine.RollingWindows, _settings.Kpis, SalesCycles?.Rolling));
        Registry.Register(new IngestMetricsCollector(Stats));
        Registry.Register(new KafkaHealthMetricsCollector(pipeline.Health));
        if (checkpoints is not null)
            Registry.Register(new StateMetricsCollector(StateStats));
        if (_settings.Journeys is not null)
            Registry.Register(new JourneyMetricsCollector(Engine, _settings.Journeys));
        if (Leakage is not null)
        {
            ILogger alertLog = _loggers.CreateLogger("FunnelStream.Leakage");
            _alerts!.Publisher = new AlertPublisher(producer, _settings.Raw.Leakage.Topic,
                r => alertLog.LogWarning("Alert record not delivered to {Topic}: {Reason} (key {Key})", r.Topic, r.Error.Reason, System.Text.Encoding.UTF8.GetString(r.Message.Key ?? [])));
            Registry.Register(new LeakageMetricsCollector(Leakage));
        }
        // Last, so that its series count covers every collector before it.
        Registry.Register(new CardinalityMetricsCollector(Interners));

        await using WebApplication web = BuildWeb(pipeline);
        await web.StartAsync(stop).ConfigureAwait(false);
        ListenAddress = web.Urls.FirstOrDefault() ?? _settings.Raw.Web.Listen;
        onListening?.Invoke(ListenAddress);
        try
        {
            await pipeline.RunAsync(stop).ConfigureAwait(false);
        }
        finally
        {
            await rolling.ConfigureAwait(false);
            if (merge is { } m)
                await m.Merger.ConfigureAwait(false);
            await web.StopAsync(CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Stopped");
        }
    }

    /// <summary>The checkpoint store of <c>FunnelStream:State:Store</c>, or <c>null</c> for <c>none</c>.</summary>
    private ICheckpointStore? OpenStateStore(IngestOptions ingest, KafkaProducerHandle producer)
    {
        StateOptions state = _settings.State;
        ICheckpointStore? store = state.Store switch
        {
            StateStoreKind.Kafka => new KafkaCheckpointStore(producer, ingest.BootstrapServers, ingest.Client, state),
            StateStoreKind.Directory => new DirectoryCheckpointStore(state.Directory),
            _ => null,
        };
        return store is not null && StateStoreDecorator is { } decorate ? decorate(store) : store;
    }

    /// <summary>
    /// Every component whose state a restart must carry over, by checkpoint section name. They are
    /// built (constructor) but not yet fed when the checkpoint is restored into them.
    /// </summary>
    private List<KeyValuePair<string, ICheckpointable>> CheckpointedParts()
    {
        var parts = new List<KeyValuePair<string, ICheckpointable>> { new("engine", Engine), new("ingest", Stats) };
        if (Journeys is not null)
            parts.Add(new("journeys", Journeys));
        if (SalesCycles is not null)
            parts.Add(new("sales-cycles", SalesCycles));
        if (Leakage is not null)
            parts.Add(new("leakage", Leakage));
        switch (Outputs.WindowSink)
        {
            case PartialWindowReports reports:
                parts.Add(new("kpi-partials", reports));
                break;
            case KpiWindowRecords records:
                parts.Add(new("kpi-records", records));
                break;
        }
        if (Outputs.Gated is { } gated)
            parts.Add(new("kpi-held", gated));
        // Last, as it is written: the dedup set is a snapshot section (StateCheckpoint.Begin), its ids
        // written off the engine thread after the other sections. Restored after the engine's, as it must be.
        parts.Add(new(FunnelEngine.DedupSectionName, Engine.DedupState));
        return parts;
    }

    private WebApplication BuildWeb(KafkaIngestPipeline pipeline)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.WebHost.UseUrls(_settings.Raw.Web.Listen);
        WebApplication app = builder.Build();
        app.MapGet("/metrics", async context =>
        {
            ExpositionFormat format = ExpositionContentType.Negotiate(context.Request.Headers.Accept.ToString());
            context.Response.ContentType = ExpositionContentType.For(format);
            Registry.WriteTo(context.Response.BodyWriter, format);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/healthz/live", () => Results.Text("live\n"));
        app.MapGet("/healthz/ready", () => pipeline.IsReady
            ? Results.Text("ready\n")
            : Results.Text($"not ready: {pipeline.NotReadyReason}\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        FunnelWeb.Map(app, Registry, _settings);
        return app;
    }
}
