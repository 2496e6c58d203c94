using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// An embedded broker in the test process, reachable over TCP, with the worker's topics (2
/// partitions per input topic), and a way to start real worker processes (<c>funnelstream run</c>)
/// in one consumer group against it. Test helper.
/// </summary>
internal sealed class WorkerProcessCluster : IDisposable
{
    public const int PartitionsPerTopic = 2;

    public WorkerProcessCluster()
    {
        Broker = EmbeddedKafkaBroker.Start();
        WorkerFixture.CreateTopics(Broker, PartitionsPerTopic);
    }

    public EmbeddedKafkaBroker Broker { get; }

    public string GroupId { get; } = "proc-" + Guid.NewGuid().ToString("N");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Starts a worker process; returns it with its metrics base URL. <paramref name="instanceId"/>
    /// names its checkpoint (<c>FunnelStream:State:InstanceId</c>): pass the same one to restart an
    /// instance; by default each process is a new instance.
    /// </summary>
    public (CliProcess Process, Uri Base) StartWorker(IDictionary<string, string>? extra = null, string? instanceId = null)
    {
        int port = FreePort.Next();
        var env = new Dictionary<string, string>
        {
            ["FunnelStream__Kafka__GroupId"] = GroupId,
            ["FunnelStream__State__InstanceId"] = instanceId ?? "w-" + Guid.NewGuid().ToString("N"),
            // A killed member leaves the group after seconds, not librdkafka's default 45 s.
            ["FunnelStream__Kafka__Client__session.timeout.ms"] = "6000",
            ["FunnelStream__Kafka__Client__heartbeat.interval.ms"] = "1000",
        };
        foreach ((string k, string v) in extra ?? new Dictionary<string, string>())
            env[k] = v;
        CliProcess p = CliProcess.Start(["run", "--bootstrap-servers", Broker.BootstrapServers, "--listen", $"http://127.0.0.1:{port}"], env);
        return (p, new Uri($"http://127.0.0.1:{port}"));
    }

    public async Task<ScrapedMetrics?> TryScrapeAsync(Uri baseUri)
    {
        try
        {
            return new ScrapedMetrics(await Http.GetStringAsync(new Uri(baseUri, "/metrics")));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The HTTP status of <paramref name="path"/> on <paramref name="baseUri"/>; 0 when nothing answers.</summary>
    public async Task<int> StatusAsync(Uri baseUri, string path)
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(new Uri(baseUri, path));
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Scrapes <paramref name="instance"/> until <c>funnel_events_total</c> sums to <paramref name="expected"/>
    /// with zero lag and every partition assigned, on two scrapes a second apart, or the deadline passes; returns the last scrape.
    /// </summary>
    public Task<ScrapedMetrics> SettleAsync(Uri instance, long expected, TimeSpan deadline) => SettleAsync([instance], expected, deadline);

    /// <summary>
    /// Scrapes every one of <paramref name="instances"/> until the sums over them (as Prometheus'
    /// <c>sum</c> over instances gives) reach <paramref name="expected"/> events with zero lag and every
    /// partition assigned, on two rounds a second apart, or the deadline passes; returns the last sums.
    /// </summary>
    public async Task<ScrapedMetrics> SettleAsync(IReadOnlyList<Uri> instances, long expected, TimeSpan deadline, Action<string>? log = null)
    {
        DateTime until = DateTime.UtcNow + deadline;
        int stable = 0;
        ScrapedMetrics merged = new("");
        while (DateTime.UtcNow < until)
        {
            var scrapes = new List<ScrapedMetrics>();
            foreach (Uri u in instances)
            {
                if (await TryScrapeAsync(u) is { } m)
                    scrapes.Add(m);
            }
            merged = instances.Count == 1 && scrapes.Count == 1 ? scrapes[0] : ScrapedMetrics.SumOf(scrapes);
            bool settled = scrapes.Count == instances.Count
                && merged.Sum("funnel_events_total") == expected
                && merged.Sum("funnel_consumer_lag_records") == 0
                && merged.Sum("funnel_consumer_assigned_partitions") == 3 * PartitionsPerTopic;
            stable = settled ? stable + 1 : 0;
            log?.Invoke($"{DateTime.UtcNow:HH:mm:ss.fff} instances {scrapes.Count}, counted {merged.Sum("funnel_events_total")} of {expected}, "
                + $"lag {merged.Sum("funnel_consumer_lag_records")}, assigned {merged.Sum("funnel_consumer_assigned_partitions")}");
            if (stable >= 2)
                return merged;
            await Task.Delay(1000);
        }
        return merged;
    }

    public void Dispose()
    {
        Http.Dispose();
        Broker.Dispose();
    }
}
