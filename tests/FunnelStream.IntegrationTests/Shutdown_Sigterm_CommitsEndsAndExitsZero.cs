namespace FunnelStream.IntegrationTests;

/// <summary>
/// SIGTERM after everything was counted: the worker applies what it consumed, flushes, commits and
/// exits 0 within the shutdown bound (docs/reliability.md); the committed offsets are exactly the
/// partitions' ends, so a restart neither skips nor re-reads a record.
/// </summary>
public sealed class Shutdown_Sigterm_CommitsEndsAndExitsZero
{
    [Fact]
    public async Task Terminate_AfterCounting_ExitZeroAndCommittedOffsetsAtPartitionEnds()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 8, good: 1500, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records);
        // Auto-commit far away, so the offsets checked below are the ones the shutdown itself commits.
        (CliProcess worker, Uri uri) = cluster.StartWorker(new Dictionary<string, string> { ["FunnelStream__Kafka__Client__auto.commit.interval.ms"] = "600000" });
        using (worker)
        {
            ScrapedMetrics counted = await cluster.SettleAsync(uri, set.ExpectedTotal, TimeSpan.FromSeconds(90));
            Assert.Empty(set.Differences(counted));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, worker.Terminate(TimeSpan.FromSeconds(30)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
            Assert.Contains("Stopping: applying consumed records", worker.Stderr, StringComparison.Ordinal);
            Assert.Contains("Stopped", worker.Stderr, StringComparison.Ordinal);
        }

        Assert.Empty(await FaultTestKit.CommittedAtEndsAsync(cluster.Broker.BootstrapServers, cluster.GroupId, WorkerProcessCluster.PartitionsPerTopic, TimeSpan.Zero));
    }
}
