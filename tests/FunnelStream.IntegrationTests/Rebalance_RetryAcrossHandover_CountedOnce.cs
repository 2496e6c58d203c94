namespace FunnelStream.IntegrationTests;

/// <summary>
/// Issue 6, "several instances in one consumer group together count every event exactly once", for
/// producer retries too: instance A counts a set of clicks and stops (SIGTERM: final checkpoint and
/// hand-over records); then retries of half of them arrive, with new clicks, and instance B (another
/// instance id, no checkpoint of its own) takes the partitions over. B imports the ids A remembered
/// from A's checkpoint before reading, so the retries are duplicates on B as they would have been on A.
/// </summary>
public sealed class Rebalance_RetryAcrossHandover_CountedOnce
{
    [Fact]
    public async Task Run_PartitionsMoveToAnotherInstance_RetriesOfWhatTheFirstCountedAreDuplicates()
    {
        using var cluster = new WorkerProcessCluster();
        DateTimeOffset t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        (string Topic, string? Key, string Json) Click(int i) =>
            ("funnel.clicks", $"j-{i % 7}", $$"""{"id":"c-{{i}}","type":"click","ts":"{{KpiEvents.Ts(t0.AddSeconds(i))}}","journey":"j-{{i % 7}}","campaign":"spring","channel":"email"}""");
        var counted = Enumerable.Range(0, 40).Select(Click).ToList();
        var retries = counted.Take(20).ToList(); // re-sent unchanged: same key, so same partition
        var fresh = Enumerable.Range(40, 30).Select(Click).ToList();

        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, counted);
        (CliProcess a, Uri aUri) = cluster.StartWorker(instanceId: "a");
        using (a)
        {
            ScrapedMetrics onA = await cluster.SettleAsync(aUri, counted.Count, TimeSpan.FromSeconds(60));
            Assert.Equal(counted.Count, onA.Sum("funnel_events_total"));
            Assert.Equal(0, a.Terminate(TimeSpan.FromSeconds(60)));
        }

        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, retries.Concat(fresh));
        (CliProcess b, Uri bUri) = cluster.StartWorker(instanceId: "b");
        using (b)
        {
            ScrapedMetrics onB = await cluster.SettleAsync(bUri, fresh.Count, TimeSpan.FromSeconds(60));
            Assert.True(onB.Sum("funnel_events_total") == fresh.Count,
                $"B counted {onB.Sum("funnel_events_total")} events, expected only the {fresh.Count} new ones; duplicates {onB.Sum("funnel_events_duplicate_total")}\n{b.Stderr}");
            Assert.Equal(retries.Count, onB.Sum("funnel_events_duplicate_total"));
            Assert.Contains("remembered ids from the checkpoint of instance a", b.Stderr, StringComparison.Ordinal);
            Assert.Equal(0, b.Terminate(TimeSpan.FromSeconds(60)));
        }
    }
}
