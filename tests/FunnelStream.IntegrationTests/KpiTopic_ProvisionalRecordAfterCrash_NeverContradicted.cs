namespace FunnelStream.IntegrationTests;

/// <summary>
/// Issue 6: "output records produced between a checkpoint and a crash are re-emitted idempotently
/// (same key, same revision), never as different numbers" — for a quiet stream's provisional records
/// too. A window goes quiet and is flushed provisionally; more events arrive in it; the worker is
/// killed before its next checkpoint. The restarted worker restores the older checkpoint, reads all
/// the window's events again and flushes the window once more. Had the first flush been published,
/// revision 0 would now be published again with more events. It was held until a checkpoint
/// including it was durable, so every key and revision on funnel.kpis has one value, and the latest
/// counts every event.
/// </summary>
public sealed class KpiTopic_ProvisionalRecordAfterCrash_NeverContradicted
{
    private const string Instance = "provisional-0";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["FunnelStream__Windows__Sizes__0"] = "00:10:00",
        ["FunnelStream__Windows__IdleSourceTimeout"] = "00:00:02",
        ["FunnelStream__Leakage__Enabled"] = "false",
        ["FunnelStream__Journeys__Enabled"] = "false",
        // Long enough that the kill lands before the checkpoint after the first flush.
        ["FunnelStream__State__Interval"] = "00:02:00",
    };

    [Fact]
    public async Task Run_KilledAfterAProvisionalFlush_SameRevisionNeverCarriesOtherNumbers()
    {
        using var cluster = new WorkerProcessCluster();
        // A window an hour ago: over in processing time, open in event time while the stream is quiet.
        DateTimeOffset t = DateTimeOffset.UtcNow.AddHours(-1);
        DateTimeOffset window = new(t.Year, t.Month, t.Day, t.Hour, t.Minute / 10 * 10, 0, TimeSpan.Zero);
        static (string, string?, string) Click(int i, DateTimeOffset at) =>
            ("funnel.clicks", "j", $$"""{"id":"clk-{{i}}","type":"click","ts":"{{KpiEvents.Ts(at)}}","campaign":"spring","channel":"email"}""");
        using var reader = new KpiTopicReader(cluster.Broker.BootstrapServers);

        (CliProcess first, Uri firstUri) = cluster.StartWorker(Settings, Instance);
        using (first)
        {
            await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, Enumerable.Range(0, 5).Select(i => Click(i, window.AddSeconds(10 + i))));
            await cluster.SettleAsync(firstUri, 5, TimeSpan.FromSeconds(60));
            // The window goes quiet and is flushed (idle timeout 2 s); its record waits for a checkpoint.
            reader.ReadFor(TimeSpan.FromSeconds(5));
            Assert.Empty(reader.Records);
            await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, Enumerable.Range(5, 3).Select(i => Click(i, window.AddSeconds(20 + i))));
            await cluster.SettleAsync(firstUri, 8, TimeSpan.FromSeconds(60));
            Assert.False(first.HasExited, first.Stderr);
            first.KillHard();
        }

        (CliProcess second, Uri secondUri) = cluster.StartWorker(Settings, Instance);
        using (second)
        {
            await cluster.SettleAsync(secondUri, 8, TimeSpan.FromSeconds(60));
            reader.ReadFor(TimeSpan.FromSeconds(5)); // flushed again, held again
            // SIGTERM: the final checkpoint holds the flushed record, which then goes out.
            Assert.Equal(0, second.Terminate(TimeSpan.FromSeconds(60)));
        }
        Assert.True(reader.ReadUntil(r => r.Count > 0, TimeSpan.FromSeconds(30)), "no funnel.kpis record after a graceful shutdown");
        reader.ReadFor(TimeSpan.FromSeconds(2));

        foreach (IGrouping<(string, int), KpiTopicRecord> same in reader.Records.GroupBy(r => (r.Key, r.Revision)))
        {
            string[] values = same.Select(r => r.Value).Distinct().ToArray();
            Assert.True(values.Length == 1, $"key {same.Key.Item1} revision {same.Key.Item2} was published with different numbers:\n{string.Join("\n", values)}");
        }
        KpiTopicRecord latest = reader.Records.MaxBy(r => r.Revision)!;
        Assert.False(latest.ValueJson.GetProperty("final").GetBoolean());
        Assert.Equal(8, latest.ValueJson.GetProperty("counts").GetProperty("click").GetInt64());
    }
}
