using Xunit.Abstractions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Two instances in one group are stopped one after the other, as a scale-down or a rolling deploy
/// does: the second gets SIGTERM while the group is rebalancing after the first left, so its
/// consumer's close revokes partitions in the middle of a join. Both exit 0 promptly, and restarted
/// they restore their final checkpoints: the sums are exact and no record is read again.
/// </summary>
public sealed class Shutdown_DuringRebalance_BothExitZeroNothingLost(ITestOutputHelper output)
{
    [Fact]
    public async Task Terminate_SecondWhileGroupRebalances_BothExitZeroAndRestartResumesExactly()
    {
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 9, good: 2000, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records);

        (CliProcess a, Uri aUri) = cluster.StartWorker(instanceId: "a");
        (CliProcess b, Uri bUri) = cluster.StartWorker(instanceId: "b");
        ScrapedMetrics counted;
        using (a)
        using (b)
        {
            counted = await cluster.SettleAsync([aUri, bUri], set.ExpectedTotal, TimeSpan.FromSeconds(90), output.WriteLine);
            Assert.Empty(set.Differences(counted));

            Assert.Equal(0, b.Terminate(TimeSpan.FromSeconds(30)));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(0, a.Terminate(TimeSpan.FromSeconds(30)));
            output.WriteLine($"A stopped in {clock.ElapsedMilliseconds} ms");
            Assert.Contains("Stopped", a.Stderr, StringComparison.Ordinal);
        }

        (a, aUri) = cluster.StartWorker(instanceId: "a");
        (b, bUri) = cluster.StartWorker(instanceId: "b");
        using (a)
        using (b)
        {
            ScrapedMetrics restored = await cluster.SettleAsync([aUri, bUri], set.ExpectedTotal, TimeSpan.FromSeconds(90), output.WriteLine);
            Assert.Empty(set.Differences(restored));
            Assert.Equal(set.Retries, restored.Sum("funnel_events_duplicate_total"));
            Assert.Equal(set.Bad, restored.Sum("funnel_events_rejected_total"));
            // Both final checkpoints cover everything: no record is consumed again after the restart.
            Assert.Equal(counted.Sum("funnel_consumer_records_total"), restored.Sum("funnel_consumer_records_total"));
            Assert.Equal(0, b.Terminate(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, a.Terminate(TimeSpan.FromSeconds(30)));
        }
    }
}
