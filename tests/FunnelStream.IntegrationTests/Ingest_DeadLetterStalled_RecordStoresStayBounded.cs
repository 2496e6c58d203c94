using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Applied batches wait for their output and dead letters to be acknowledged before their offsets are
/// stored; while the broker refuses a dead letter, a hundred and more of them wait (until the worker
/// pauses its partitions). Their records go back for the next batches as soon as they are applied, so
/// the memory the worker holds for records stays that of the channel's batches, not of every waiting
/// batch; and once the dead letter is delivered every event is counted and nothing is lost.
/// </summary>
public sealed class Ingest_DeadLetterStalled_RecordStoresStayBounded
{
    [Fact]
    public async Task DeadLetterRefused_HundredsOfBatchesWait_RecordStoresStayWithinTheChannel()
    {
        var logs = new CapturedLogs { MinimumLevel = Microsoft.Extensions.Logging.LogLevel.Warning };
        await using var fixture = new WorkerFixture(partitions: 1, logs: logs, configure: o =>
        {
            o.Pipeline.BatchSize = 4; // ~400 batches for the events below
            o.State.Store = "none";
        });
        var set = new KnownEventSet(seed: 21, good: 1500, retryRate: 0, badRate: 0, DateTimeOffset.UtcNow);
        using (var producer = fixture.CreateProducer())
        {
            // The first record is rejected: its dead letter, never acknowledged below, holds every batch after it.
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, """{"id":"bad-0","type":"teleport","ts":"2026-01-01T00:00:00Z"}""");
            await Task.WhenAll(set.Records.Select(r => WorkerFixture.ProduceAsync(producer, r.Topic, r.Key, r.Json)));
        }
        fixture.Broker.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 100_000).ToArray());
        await fixture.StartAsync();

        // 2 x the channel's 64 applied batches wait before the worker pauses its partitions.
        Assert.True(await FaultTestKit.WaitForAsync(
            () => Task.FromResult(logs.Lines.Any(l => l.Message.Contains("pausing", StringComparison.Ordinal))), TimeSpan.FromSeconds(60)),
            "the partitions were never paused: the batches did not wait");
        ScrapedMetrics waiting = await fixture.ScrapeAsync();
        Assert.True(waiting.Sum("funnel_events_total") >= 2 * 64 * 4 - 4, $"only {waiting.Sum("funnel_events_total")} events applied while waiting");
        // The full batch waiting for room and the next one, the channel's 64, the one being applied.
        Assert.InRange(fixture.Worker.Stats.RecordStores, 1, 2 + 64 + 1);

        fixture.Broker.ClearRequestErrors(KafkaApiKey.Produce);
        ScrapedMetrics counted = await fixture.ScrapeUntilAsync(m => m.Sum("funnel_events_total") == set.ExpectedTotal, TimeSpan.FromSeconds(90));
        Assert.Empty(set.Differences(counted));
        Assert.InRange(fixture.Worker.Stats.RecordStores, 1, 2 + 64 + 1);
    }
}
