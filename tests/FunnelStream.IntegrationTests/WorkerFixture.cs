using System.Text;
using Confluent.Kafka;
using FunnelStream.Configuration;
using FunnelStream.Hosting;
using FunnelStream.Kafka.EmbeddedBroker;
using Microsoft.Extensions.Logging;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// An embedded broker with the default topics, and a worker (in this process) reading it, with
/// metrics on a free loopback port. Disposing stops the worker cleanly and the broker.
/// </summary>
internal sealed class WorkerFixture : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers;
    private readonly bool _ownsBroker;
    private Task? _run;

    /// <summary>
    /// A fixture with its own broker, or a second worker on <paramref name="sharedBroker"/> (whose topics exist; not disposed here);
    /// with <paramref name="logs"/>, the worker's log lines are also kept there, from its minimum level.
    /// </summary>
    public WorkerFixture(int partitions = 3, Action<FunnelStreamOptions>? configure = null, EmbeddedKafkaBroker? sharedBroker = null, CapturedLogs? logs = null)
    {
        _ownsBroker = sharedBroker is null;
        Broker = sharedBroker ?? EmbeddedKafkaBroker.Start();
        if (_ownsBroker)
            CreateTopics(Broker, partitions);
        var options = new FunnelStreamOptions();
        options.Web.Listen = "http://127.0.0.1:0";
        options.Kafka.GroupId = "it-" + Guid.NewGuid().ToString("N");
        options.State.InstanceId = "it-" + Guid.NewGuid().ToString("N"); // unique: several fixtures may share a group
        configure?.Invoke(options);
        Settings = ResolvedSettings.From(options);
        _loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            if (logs is not null)
                b.AddProvider(logs).SetMinimumLevel(logs.MinimumLevel).AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        });
        Worker = new Worker(Settings, _loggers);
    }

    public EmbeddedKafkaBroker Broker { get; }

    /// <summary>The input topics with <paramref name="partitions"/> partitions each, and the output topics.</summary>
    public static void CreateTopics(EmbeddedKafkaBroker broker, int partitions)
    {
        broker.CreateTopics(["funnel.clicks", "funnel.leads", "funnel.deals"], partitions);
        broker.CreateTopic("funnel.dlq", 1);
        broker.CreateTopic("funnel.kpis", 3);
        broker.CreateTopic("funnel.kpis.rolling", 1);
        broker.CreateTopic("funnel.kpis.partials", 2);
        broker.CreateTopic("funnel.state", 1);
    }

    public ResolvedSettings Settings { get; }

    public Worker Worker { get; }

    public Uri? MetricsUri { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Starts the worker and waits until its web server listens.</summary>
    public async Task StartAsync()
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _run = Task.Run(() => Worker.RunAsync(Broker.BootstrapServers, url => listening.TrySetResult(url), _stop.Token));
        Task done = await Task.WhenAny(listening.Task, _run, Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != listening.Task)
        {
            if (_run.IsFaulted)
                await _run;
            throw new TimeoutException("the worker did not start listening within 30 s");
        }
        MetricsUri = new Uri(new Uri(listening.Task.Result), "/metrics");
    }

    /// <summary>Stops the worker as SIGTERM would, and returns when it has shut down cleanly.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        if (_run is not null)
            await _run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task<ScrapedMetrics> ScrapeAsync(string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MetricsUri);
        if (accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return new ScrapedMetrics(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="done"/> holds or the deadline passes; returns the last scrape.</summary>
    public async Task<ScrapedMetrics> ScrapeUntilAsync(Func<ScrapedMetrics, bool> done, TimeSpan deadline)
    {
        DateTime until = DateTime.UtcNow + deadline;
        while (true)
        {
            ScrapedMetrics m = await ScrapeAsync();
            if (done(m) || DateTime.UtcNow > until)
                return m;
            await Task.Delay(200);
        }
    }

    public IProducer<string?, byte[]> CreateProducer() => new ProducerBuilder<string?, byte[]>(new ProducerConfig
    {
        BootstrapServers = Broker.BootstrapServers,
        EnableIdempotence = true,
        LingerMs = 2,
    }).Build();

    /// <summary>Produces <paramref name="json"/> as it is (bytes), keyed by <paramref name="key"/>.</summary>
    public static Task<DeliveryResult<string?, byte[]>> ProduceAsync(IProducer<string?, byte[]> producer, string topic, string? key, string json) =>
        producer.ProduceAsync(topic, new Message<string?, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(json) });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Http.Dispose();
            _loggers.Dispose();
            if (_ownsBroker)
                Broker.Dispose();
        }
    }
}
