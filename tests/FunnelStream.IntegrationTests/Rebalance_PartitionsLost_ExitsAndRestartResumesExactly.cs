namespace FunnelStream.IntegrationTests;

/// <summary>
/// Partitions lost without a clean hand-over (the brokers unreachable for longer than the session
/// timeout): the instance's state holds effects past the committed offsets, so it commits nothing,
/// exits with code 3 naming the partitions, and the same instance started again resumes from its
/// last checkpoint and ends with every event counted exactly once.
/// </summary>
public sealed class Rebalance_PartitionsLost_ExitsAndRestartResumesExactly
{
    private const string Instance = "lost-0";

    [Fact]
    public async Task Run_SessionExpiresDuringOutage_ExitCode3ThenRestartCountsExactly()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 12, good: 1200, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow, spacing: TimeSpan.FromMilliseconds(20));
        int half = set.Records.Count / 2;
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records.Take(half));
        // Saves give up after 3 s, so the lost partitions are noticed soon after the 6 s session expires.
        var settings = new Dictionary<string, string> { ["FunnelStream__State__SaveTimeout"] = "00:00:03" };
        (CliProcess worker, Uri uri) = cluster.StartWorker(settings, Instance);
        using (worker)
        {
            DateTime until = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < until && ((await cluster.TryScrapeAsync(uri))?.Sum("funnel_state_checkpoints_total") ?? 0) < 2)
                await Task.Delay(200);

            // Down for twice the 6 s session timeout: the client gives the session up; back up, the
            // coordinator no longer knows the member and the assignment is reported lost.
            cluster.Broker.SetBrokerDown(1);
            await Task.Delay(TimeSpan.FromSeconds(12));
            cluster.Broker.SetBrokerUp(1);
            until = DateTime.UtcNow.AddSeconds(90);
            while (!worker.HasExited && DateTime.UtcNow < until)
                await Task.Delay(250);

            Assert.True(worker.HasExited, "the worker did not stop after losing its partitions: " + worker.Stderr);
            Assert.Equal(3, worker.ExitCode);
            Assert.Contains("were lost without a clean hand-over", worker.Stderr, StringComparison.Ordinal);
        }

        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records.Skip(half));
        (CliProcess again, Uri againUri) = cluster.StartWorker(settings, Instance);
        using (again)
        {
            ScrapedMetrics final = await cluster.SettleAsync(againUri, set.ExpectedTotal, TimeSpan.FromSeconds(90));
            List<string> diffs = set.Differences(final);
            Assert.True(diffs.Count == 0, $"after the loss and restart the counts differ:\n{string.Join("\n", diffs)}\n{again.Stderr}");
            Assert.True(final.Sum("funnel_state_restored_bytes") > 0, "the restarted instance did not restore its checkpoint");
            Assert.Equal(set.Retries, final.Sum("funnel_events_duplicate_total"));
            Assert.Equal(0, again.Terminate(TimeSpan.FromSeconds(60)));
        }
    }
}
