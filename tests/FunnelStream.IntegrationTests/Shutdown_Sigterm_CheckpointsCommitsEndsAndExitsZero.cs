namespace FunnelStream.IntegrationTests;

/// <summary>
/// SIGTERM after everything was counted: the worker applies what it consumed, flushes, writes a
/// final checkpoint, commits and exits 0 within the shutdown bound (docs/reliability.md). The
/// committed offsets are exactly the partitions' ends, and the same instance started again restores
/// the final checkpoint: the same counts, without reading a record again.
/// </summary>
public sealed class Shutdown_Sigterm_CheckpointsCommitsEndsAndExitsZero
{
    private const string Instance = "sigterm-0";

    [Fact]
    public async Task Terminate_AfterCounting_ExitZeroOffsetsAtEndsAndFinalCheckpointRestores()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 8, good: 1500, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records);
        // Checkpoints far apart, so the offsets and state checked below are the ones the shutdown itself saves.
        var settings = new Dictionary<string, string> { ["FunnelStream__State__Interval"] = "00:10:00" };
        (CliProcess worker, Uri uri) = cluster.StartWorker(settings, Instance);
        ScrapedMetrics counted;
        using (worker)
        {
            counted = await cluster.SettleAsync(uri, set.ExpectedTotal, TimeSpan.FromSeconds(90));
            Assert.Empty(set.Differences(counted));

            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, worker.Terminate(TimeSpan.FromSeconds(30)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
            Assert.Contains("Stopping: applying consumed records, flushing output, checkpointing, committing offsets", worker.Stderr, StringComparison.Ordinal);
            Assert.Contains("Stopped", worker.Stderr, StringComparison.Ordinal);
        }

        Assert.Empty(await FaultTestKit.CommittedAtEndsAsync(cluster.Broker.BootstrapServers, cluster.GroupId, WorkerProcessCluster.PartitionsPerTopic, TimeSpan.Zero));

        (CliProcess again, Uri againUri) = cluster.StartWorker(settings, Instance);
        using (again)
        {
            ScrapedMetrics restored = await cluster.SettleAsync(againUri, set.ExpectedTotal, TimeSpan.FromSeconds(60));
            Assert.Empty(set.Differences(restored));
            Assert.True(restored.Sum("funnel_state_restored_bytes") > 0, "the restarted instance restored no checkpoint");
            Assert.Equal(set.Retries, restored.Sum("funnel_events_duplicate_total"));
            Assert.Equal(set.Bad, restored.Sum("funnel_events_rejected_total"));
            // Everything came from the checkpoint: the records consumed are those counted before the shutdown.
            Assert.Equal(counted.Sum("funnel_consumer_records_total"), restored.Sum("funnel_consumer_records_total"));
            Assert.Contains("Restored checkpoint 'proc-", again.Stderr, StringComparison.Ordinal);
            Assert.Equal(0, again.Terminate(TimeSpan.FromSeconds(30)));
        }
    }
}
