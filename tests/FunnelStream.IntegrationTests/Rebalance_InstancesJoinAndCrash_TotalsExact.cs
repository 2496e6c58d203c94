using Xunit.Abstractions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Two worker processes in one consumer group with rebalances in the middle of the stream: the
/// second joins while the first is counting (the first checkpoints, commits and hands partitions
/// over), then the first is killed with SIGKILL and started again under its instance id (its
/// partitions move to the second, then back, and it restores its checkpoint). The sums of their
/// /metrics equal the set's own counts exactly, and both did part of the work.
/// </summary>
public sealed class Rebalance_InstancesJoinAndCrash_TotalsExact(ITestOutputHelper output)
{
    [Fact]
    public async Task Run_SecondJoinsThenFirstKilledAndRestarted_SumOverInstancesExact()
    {
        using var cluster = new WorkerProcessCluster();
        // With producer retries: a partition's next owner imports the ids its last owner remembered, so a
        // retry whose copies straddle a hand-over is still a duplicate (Rebalance_RetryAcrossHandover).
        // Event time advances about as fast as the records arrive (3,000 events over 60 s), as in a live
        // stream: the backlog a crash leaves on a partition is then seconds of event time, within the
        // allowed lateness of the instance that takes it over (docs/reliability.md, "Limits").
        var set = new KnownEventSet(seed: 7, good: 3000, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow, spacing: TimeSpan.FromMilliseconds(20));
        int third = set.Records.Count / 3;
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records.Take(third));

        (CliProcess a, Uri aUri) = cluster.StartWorker(instanceId: "a");
        (CliProcess? b, Uri? bUri) = (null, null);
        try
        {
            // The first instance counts something before the second joins, so the rebalance moves a partition with state.
            DateTime until = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < until && ((await cluster.TryScrapeAsync(aUri))?.Sum("funnel_events_total") ?? 0) == 0)
                await Task.Delay(200);

            (b, bUri) = cluster.StartWorker(instanceId: "b");
            await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records.Skip(third).Take(third));
            await WaitAsync(async () => (await cluster.TryScrapeAsync(bUri))?.Sum("funnel_consumer_assigned_partitions") > 0, TimeSpan.FromSeconds(60));
            ScrapedMetrics? beforeKill = await cluster.TryScrapeAsync(aUri);
            output.WriteLine($"A before the kill: counted {beforeKill?.Sum("funnel_events_total")}, {beforeKill?.Sum("funnel_state_checkpoints_total")} checkpoints");

            a.KillHard();
            a.Dispose();
            await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records.Skip(2 * third));
            (a, aUri) = cluster.StartWorker(instanceId: "a");

            ScrapedMetrics sum = await cluster.SettleAsync([aUri, bUri], set.ExpectedTotal, TimeSpan.FromSeconds(120), output.WriteLine);
            List<string> diffs = set.Differences(sum);
            Assert.True(diffs.Count == 0, $"the sums over both instances differ:\n{string.Join("\n", diffs)}\nA: {a.Stderr}\nB: {b.Stderr}");
            ScrapedMetrics onA = (await cluster.TryScrapeAsync(aUri))!;
            ScrapedMetrics onB = (await cluster.TryScrapeAsync(bUri))!;
            Assert.True(onA.Sum("funnel_consumer_assigned_partitions") > 0 && onB.Sum("funnel_consumer_assigned_partitions") > 0,
                "the partitions were not shared between the instances");
            Assert.True(onA.Sum("funnel_state_restored_bytes") > 0, "the restarted instance restored no checkpoint");
            Assert.Equal(set.Bad, sum.Sum("funnel_events_rejected_total"));
            Assert.Equal(set.Retries, sum.Sum("funnel_events_duplicate_total"));
            Assert.Equal(0, sum.Sum("funnel_consumer_lag_records"));
            Assert.Equal(0, b.Terminate(TimeSpan.FromSeconds(60)));
            Assert.Equal(0, a.Terminate(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            a.Dispose();
            b?.Dispose();
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until && !await condition())
            await Task.Delay(200);
    }
}
