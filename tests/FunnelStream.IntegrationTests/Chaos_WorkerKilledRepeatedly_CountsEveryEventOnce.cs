using System.Globalization;
using FunnelStream.Configuration;
using FunnelStream.Tests.Reference;
using Xunit.Abstractions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Issue 6's chaos test: a real worker process is killed with SIGKILL at random points, ten times,
/// while a known event set (with producer retries and bad records) streams through the embedded
/// broker. After the last restart of the same instance, /metrics equals the counts computed from the
/// set itself exactly, every bad record is on the dead-letter topic, the latest funnel.kpis record of
/// every window equals replay over the set, and no record, final or provisional, was ever published
/// twice with different numbers under one revision.
/// </summary>
public sealed class Chaos_WorkerKilledRepeatedly_CountsEveryEventOnce(ITestOutputHelper output)
{
    private const int Kills = 10;
    private const string Instance = "chaos-0";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["FunnelStream__Windows__Sizes__0"] = "00:10:00",
        ["FunnelStream__Windows__Sizes__1"] = "01:00:00",
        ["FunnelStream__Windows__IdleSourceTimeout"] = "00:00:02",
        ["FunnelStream__Leakage__Enabled"] = "false",
        ["FunnelStream__State__Interval"] = "00:00:01",
    };

    [Fact]
    public async Task Run_KilledWithSigkillTenTimesWhileStreaming_FinalCountsExact()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 6, good: 5000, retryRate: 0.05, badRate: 0.03, DateTimeOffset.UtcNow);
        var rng = new Random(66);
        // The set streams in steadily in the background, so kills land while records are being counted and checkpointed.
        Task streaming = Task.Run(async () =>
        {
            foreach ((string Topic, string? Key, string Json)[] slice in set.Records.Chunk(60))
            {
                await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, slice);
                await Task.Delay(300);
            }
        });
        long checkpointsSeen = 0;
        for (int kill = 0; kill < Kills; kill++)
        {
            (CliProcess worker, Uri uri) = cluster.StartWorker(Settings, Instance);
            using (worker)
            {
                // Every third kill lands at a random point of start-up (joining, restoring); the others
                // at a random point after the worker became ready, while it counts and checkpoints.
                if (kill % 3 != 0)
                    await WaitReadyAsync(cluster, uri, TimeSpan.FromSeconds(30));
                TimeSpan after = TimeSpan.FromMilliseconds(kill % 3 == 0 ? rng.Next(300, 4000) : rng.Next(0, 2500));
                await Task.Delay(after);
                ScrapedMetrics? seen = await cluster.TryScrapeAsync(uri);
                Assert.False(worker.HasExited, $"the worker exited on its own (code {(worker.HasExited ? worker.ExitCode : 0)}): {worker.Stderr}");
                worker.KillHard();
                checkpointsSeen += (long)(seen?.Sum("funnel_state_checkpoints_total") ?? 0);
                output.WriteLine($"kill {kill + 1} {(kill % 3 == 0 ? "during start-up" : "after ready")} +{after.TotalSeconds:0.0} s: "
                    + $"counted {seen?.Sum("funnel_events_total")} of {set.ExpectedTotal}, restored {seen?.Sum("funnel_state_restored_bytes")} bytes");
            }
        }
        await streaming;
        Assert.True(checkpointsSeen > 0, "no killed worker had made a checkpoint: the kills did not exercise restores");

        (CliProcess last, Uri lastUri) = cluster.StartWorker(Settings, Instance);
        using (last)
        {
            ScrapedMetrics final = await cluster.SettleAsync(lastUri, set.ExpectedTotal, TimeSpan.FromSeconds(90));
            List<string> diffs = set.Differences(final);
            Assert.True(diffs.Count == 0, $"after {Kills} kills the counts differ:\n{string.Join("\n", diffs)}\nstderr: {last.Stderr}");
            Assert.True(final.Sum("funnel_state_restored_bytes") > 0, "the last instance did not restore a checkpoint");
            Assert.Equal(set.Retries, final.Sum("funnel_events_duplicate_total"));
            Assert.Equal(set.Bad, final.Sum("funnel_events_rejected_total"));

            HashSet<string> deadLetters = KnownEventSet.DeadLetterSources(cluster.Broker.BootstrapServers);
            Assert.Equal(set.Bad, deadLetters.Count);

            // funnel.kpis: the latest record of every window and breakdown equals replay over the whole set.
            var options = new FunnelStreamOptions();
            options.Windows.Sizes = [TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];
            options.Leakage.Enabled = false;
            ResolvedSettings settings = ResolvedSettings.From(options);
            var expected = ReplayExpectation.Replay(settings, set.Records.Select(r => r.Json));
            using var reader = new KpiTopicReader(cluster.Broker.BootstrapServers);
            IReadOnlyList<string> dims = settings.Funnel.Dimensions;
            Assert.True(reader.ReadUntil(r => ReplayExpectation.Same(expected, ReplayExpectation.Latest(r, dims)), TimeSpan.FromSeconds(60)),
                "funnel.kpis does not match replay:\n" + ReplayExpectation.Describe(expected, ReplayExpectation.Latest(reader.Records, dims)));
            // And against the independent SQL computation (sqlite3) over the same records: every 10-minute
            // window's counts, spend and revenue per campaign and channel, and per stage the totals on /metrics.
            var latest = ReplayExpectation.Latest(reader.Records, dims);
            List<string> sqlDiffs = SqlDifferences(set, latest, final);
            Assert.True(sqlDiffs.Count == 0, "funnel.kpis or /metrics differ from the SQL computation:\n" + string.Join("\n", sqlDiffs));
            // A record re-emitted after a crash, final or provisional, carries the same numbers under the same revision.
            foreach (IGrouping<(string, int), KpiTopicRecord> same in reader.Records.GroupBy(r => (r.Key, r.Revision)))
            {
                string[] values = same.Select(r => r.Value).Distinct().ToArray();
                Assert.True(values.Length == 1, $"key {same.Key.Item1} revision {same.Key.Item2} was published with different numbers:\n{string.Join("\n", values)}");
            }
            Assert.Equal(0, last.Terminate(TimeSpan.FromSeconds(60)));
        }
    }

    private static List<string> SqlDifferences(KnownEventSet set, Dictionary<string, Dictionary<string, double>> latest, ScrapedMetrics metrics)
    {
        string file = Path.Combine(Path.GetTempPath(), "fs-chaos-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            File.WriteAllLines(file, set.Records.Select(r => r.Json));
            IReadOnlyList<ReferenceRow> rows = SqliteReference.Compute(file, 600_000, ["campaign", "channel"], TimeSpan.FromMinutes(5));
            var diffs = new List<string>();
            var totals = new Dictionary<(string Stage, string Campaign, string Channel), decimal>();
            foreach (ReferenceRow row in rows.Where(r => r.Kind != ReferenceValueKind.Ratio && (r.Metric.StartsWith("events.", StringComparison.Ordinal) || r.Metric is "spend" or "revenue")))
            {
                string id = ReplayExpectation.Id(600, row.WindowStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), row.Dims);
                double topic = latest.TryGetValue(id, out var m) && m.TryGetValue(row.Metric, out double v) ? v : double.NaN;
                if (topic != (double)row.Exact)
                    diffs.Add($"{id} {row.Metric}: SQL {row.Exact}, funnel.kpis {topic}");
                if (row.Metric.StartsWith("events.", StringComparison.Ordinal))
                {
                    var key = (row.Metric["events.".Length..], row.Dims[0], row.Dims[1]);
                    totals[key] = totals.GetValueOrDefault(key) + row.Exact;
                }
            }
            foreach (((string stage, string campaign, string channel), decimal count) in totals)
            {
                double got = metrics.Value("funnel_events_total", ("stage", stage), ("campaign", campaign), ("channel", channel)) ?? 0;
                if (got != (double)count)
                    diffs.Add($"funnel_events_total{{stage={stage},campaign={campaign},channel={channel}}}: SQL {count}, /metrics {got}");
            }
            if (totals.Values.Sum() != set.ExpectedTotal)
                diffs.Add($"SQL counted {totals.Values.Sum()} events, the set holds {set.ExpectedTotal}");
            return diffs;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task WaitReadyAsync(WorkerProcessCluster cluster, Uri uri, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until && await cluster.StatusAsync(uri, "/healthz/ready") != 200)
            await Task.Delay(100);
    }
}
