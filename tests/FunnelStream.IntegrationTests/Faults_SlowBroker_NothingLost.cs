using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>A slow broker (every response delayed 300 ms) slows the worker down but loses and doubles nothing, and offsets are still committed to the ends.</summary>
public sealed class Faults_SlowBroker_NothingLost
{
    [Fact]
    public async Task SetBrokerRtt_300ms_CountsExactAndOffsetsCommitted()
    {
        await using WorkerFixture fixture = FaultTestKit.StartFixture();
        await fixture.StartAsync();
        var set = new KnownEventSet(seed: 13, good: 1200, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Take(100));
        Assert.True(await FaultTestKit.WaitForAsync(async () => await FaultTestKit.ReadyStatusAsync(fixture) == 200, TimeSpan.FromSeconds(60)), "never ready");

        fixture.Broker.SetBrokerRtt(EmbeddedKafkaBroker.AllBrokers, TimeSpan.FromMilliseconds(300));
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Skip(100));

        (List<string> diffs, ScrapedMetrics last) = await FaultTestKit.SettleAsync(fixture, set);
        Assert.Empty(diffs);
        Assert.Equal(set.Retries, last.Sum("funnel_events_duplicate_total"));
        // Offsets keep being committed against the slow broker, up to the partitions' ends.
        Assert.Empty(await FaultTestKit.CommittedAtEndsAsync(fixture.Broker.BootstrapServers, fixture.Settings.Raw.Kafka.GroupId, 2, TimeSpan.FromSeconds(60)));
        fixture.Broker.SetBrokerRtt(EmbeddedKafkaBroker.AllBrokers, TimeSpan.Zero);
    }
}
