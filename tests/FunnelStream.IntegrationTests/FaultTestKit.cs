using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>Shared steps of the broker-fault tests: an in-process worker, a known set, and exact settling. Test helper.</summary>
internal static class FaultTestKit
{
    public static WorkerFixture StartFixture(CapturedLogs? logs = null) => new(partitions: 2, logs: logs);

    /// <summary>Scrapes until the worker's counts equal <paramref name="set"/>'s exactly (or 90 s pass) and returns the differences left.</summary>
    public static async Task<(List<string> Differences, ScrapedMetrics Last)> SettleAsync(WorkerFixture fixture, KnownEventSet set)
    {
        ScrapedMetrics last = await fixture.ScrapeUntilAsync(m => set.Differences(m).Count == 0, TimeSpan.FromSeconds(90));
        return (set.Differences(last), last);
    }

    public static async Task<int> ReadyStatusAsync(WorkerFixture fixture)
    {
        try
        {
            using HttpResponseMessage r = await fixture.Http.GetAsync(new Uri(fixture.MetricsUri!, "/healthz/ready"));
            return (int)r.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    public static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (await condition())
                return true;
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until the worker's group has committed, for every input
    /// partition, exactly the partition's end; returns the partitions that differ at the end, empty when none.
    /// </summary>
    public static async Task<List<string>> CommittedAtEndsAsync(string bootstrapServers, string groupId, int partitions, TimeSpan timeout)
    {
        var all = new[] { "funnel.clicks", "funnel.leads", "funnel.deals" }
            .SelectMany(t => Enumerable.Range(0, partitions).Select(p => new TopicPartition(t, p))).ToList();
        using IConsumer<byte[], byte[]> reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
        }).Build();
        DateTime until = DateTime.UtcNow + timeout;
        while (true)
        {
            var diffs = new List<string>();
            try
            {
                List<TopicPartitionOffset> committed = reader.Committed(all, TimeSpan.FromSeconds(10));
                foreach (TopicPartition tp in all)
                {
                    long end = reader.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
                    long got = committed.Single(c => c.TopicPartition == tp).Offset.Value;
                    if (got != end)
                        diffs.Add($"{tp}: committed {got}, end {end}");
                }
            }
            catch (KafkaException e)
            {
                diffs.Add(e.Message);
            }
            if (diffs.Count == 0 || DateTime.UtcNow > until)
                return diffs;
            await Task.Delay(500);
        }
    }
}
