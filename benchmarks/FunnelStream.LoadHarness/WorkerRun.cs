using FunnelStream.Configuration;
using FunnelStream.Events;
using FunnelStream.Hosting;
using Microsoft.Extensions.Logging;

namespace FunnelStream.LoadHarness;

/// <summary>The real worker (<see cref="Worker"/>: consumer thread, parser, engine thread, offsets, Kestrel /metrics) in this process.</summary>
internal sealed class WorkerRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
    private Task? _run;

    /// <param name="checkpoints">With the default checkpoints (<c>funnel.state</c>, every 5 s); <c>false</c> for <c>State:Store none</c>.</param>
    public WorkerRun(bool checkpoints = true)
    {
        var options = new FunnelStreamOptions();
        if (!checkpoints)
            options.State.Store = "none";
        options.Web.Listen = "http://127.0.0.1:0";
        options.Kafka.GroupId = "e2e-" + Guid.NewGuid().ToString("N");
        options.Kafka.Topics = [BrokerProcess.EventsTopic, BrokerProcess.FreshTopic];
        options.Kafka.Client["fetch.wait.max.ms"] = BrokerProcess.FetchWaitMaxMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Worker = new Worker(ResolvedSettings.From(options), _loggers);
    }

    public Worker Worker { get; }

    public Uri MetricsUri { get; private set; } = null!;

    /// <summary>Records the engine has judged: counted, duplicate, or rejected (by the parser or as late).</summary>
    public long Processed
    {
        get
        {
            long n = Worker.Engine.CountedTotal + Worker.Engine.DuplicateCount;
            foreach (RejectReason r in RejectReasons.All)
                n += Worker.Stats.Rejected(r);
            return n;
        }
    }

    public async Task StartAsync(string bootstrap)
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _run = Task.Run(() => Worker.RunAsync(bootstrap, url => listening.TrySetResult(url), _stop.Token));
        Task done = await Task.WhenAny(listening.Task, _run, Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != listening.Task)
        {
            if (_run.IsFaulted)
                await _run;
            throw new TimeoutException("the worker did not start listening within 30 s");
        }
        MetricsUri = new Uri(new Uri(listening.Task.Result), "/metrics");
    }

    /// <summary>E2E throughput: starts the worker, measures from its first record until it has processed <paramref name="events"/>.</summary>
    public static async Task<(Cost Cost, int Series, int Scrapes, long Counted)> ThroughputAsync(string bootstrap, long events, bool scrape,
        Func<WorkerRun, Cost, Task>? after = null, bool checkpoints = true)
    {
        await using var run = new WorkerRun(checkpoints);
        await run.StartAsync(bootstrap);
        Scraper? scraper = scrape ? new Scraper(run.MetricsUri) : null;
        try
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (run.Worker.Stats.Consumed == 0 && run.Processed == 0 && DateTime.UtcNow < deadline)
                Thread.Sleep(1);
            var meter = new Meter();
            long before = run.Processed;
            while (run.Processed < events && DateTime.UtcNow < deadline)
                Thread.Sleep(2);
            Cost cost = meter.Stop(run.Processed - before);
            if (run.Processed < events)
                throw new TimeoutException($"E2E processed {run.Processed} of {events} records");
            int series = 0, scrapes = 0;
            if (scraper is not null)
            {
                while (scraper.Scrapes < 1)
                    await Task.Delay(100);
                series = scraper.LastSeries;
                scrapes = scraper.Scrapes;
            }
            if (after is not null)
                await after(run, cost);
            return (cost, series, scrapes, run.Worker.Engine.CountedTotal);
        }
        finally
        {
            if (scraper is not null)
                await scraper.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_run is not null)
            await _run.WaitAsync(TimeSpan.FromSeconds(60));
        _loggers.Dispose();
    }
}
