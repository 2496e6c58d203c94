using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Retriable request errors injected into fetches, produces (dead letters, KPI records) and offset
/// commits: the worker retries through them, keeps running, counts every event exactly once, and
/// commits up to the partitions' ends.
/// </summary>
public sealed class Faults_RequestErrors_NothingLostNothingCrashes
{
    [Fact]
    public async Task PushRequestErrors_FetchProduceCommit_CountsExactAndStillReady()
    {
        await using WorkerFixture fixture = FaultTestKit.StartFixture();
        await fixture.StartAsync();
        var set = new KnownEventSet(seed: 12, good: 1200, retryRate: 0.05, badRate: 0.05, DateTimeOffset.UtcNow);
        int half = set.Records.Count / 2;
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Take(half));
        Assert.True(await FaultTestKit.WaitForAsync(async () => await FaultTestKit.ReadyStatusAsync(fixture) == 200, TimeSpan.FromSeconds(60)), "never ready");

        fixture.Broker.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotLeaderForPartition);
        fixture.Broker.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
        fixture.Broker.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.RequestTimedOut, ErrorCode.NotCoordinatorForGroup, ErrorCode.RequestTimedOut);
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Skip(half));

        (List<string> diffs, ScrapedMetrics last) = await FaultTestKit.SettleAsync(fixture, set);
        Assert.Empty(diffs);
        Assert.Equal(set.Retries, last.Sum("funnel_events_duplicate_total"));
        Assert.Equal(200, await FaultTestKit.ReadyStatusAsync(fixture));
        Assert.True(await FaultTestKit.WaitForAsync(async () => (await fixture.ScrapeAsync()).Value("funnel_dead_letter_records_total") >= set.Bad, TimeSpan.FromSeconds(30)),
            "dead letters were lost to the produce errors");
        Assert.Empty(await FaultTestKit.CommittedAtEndsAsync(fixture.Broker.BootstrapServers, fixture.Settings.Raw.Kafka.GroupId, 2, TimeSpan.FromSeconds(60)));
    }
}
