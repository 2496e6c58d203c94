using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The broker goes down mid-stream and comes back: the worker does not crash, reports the outage
/// (funnel_kafka_up 0, funnel_kafka_outages_total 1, readiness 503 naming the reason, one error line)
/// and recovers (ready again, funnel_kafka_up 1), every event of the set is counted exactly once, and
/// the committed offsets reach the partitions' ends. Twice: once as the client reports it (all
/// brokers down), once with that event ignored, so that the client's statistics (no connection up) must notice the
/// outage (the client raises the event only when every broker it knows has failed a connection
/// attempt, which with sparse connections may never happen).
/// </summary>
public sealed class Faults_BrokerDownThenUp_NothingLostAndReadinessRecovers
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetBrokerDown_ThenUp_UnreadyDuringOutageAndCountsExact(bool statisticsOnly)
    {
        var logs = new CapturedLogs();
        await using WorkerFixture fixture = FaultTestKit.StartFixture(logs);
        fixture.Worker.IgnoreAllBrokersDownEvent = statisticsOnly;
        await fixture.StartAsync();
        var set = new KnownEventSet(seed: 11, good: 1200, retryRate: 0.05, badRate: 0.02, DateTimeOffset.UtcNow);
        int half = set.Records.Count / 2;
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Take(half));
        Assert.True(await FaultTestKit.WaitForAsync(async () => await FaultTestKit.ReadyStatusAsync(fixture) == 200, TimeSpan.FromSeconds(60)), "never ready");

        fixture.Broker.SetBrokerDown(EmbeddedKafkaBroker.AllBrokers);
        // Well inside the group session (45 s): a longer outage loses the partitions, and the worker exits to restart from its checkpoint.
        Assert.True(await FaultTestKit.WaitForAsync(async () => await FaultTestKit.ReadyStatusAsync(fixture) == 503, TimeSpan.FromSeconds(20)),
            "readiness stayed 200 during the outage");
        ScrapedMetrics during = await fixture.ScrapeAsync();
        Assert.Equal(0, during.Value("funnel_kafka_up"));
        Assert.Equal(1, during.Value("funnel_kafka_outages_total"));
        using (HttpResponseMessage r = await fixture.Http.GetAsync(new Uri(fixture.MetricsUri!, "/healthz/ready")))
            Assert.Contains("Kafka brokers unreachable", await r.Content.ReadAsStringAsync());
        await Task.Delay(TimeSpan.FromSeconds(3)); // the client keeps retrying meanwhile: none of that may add outage lines

        fixture.Broker.SetBrokerUp(EmbeddedKafkaBroker.AllBrokers);
        await KnownEventSet.ProduceAsync(fixture.Broker.BootstrapServers, set.Records.Skip(half));
        (List<string> diffs, ScrapedMetrics last) = await FaultTestKit.SettleAsync(fixture, set);
        Assert.Empty(diffs);
        Assert.True(await FaultTestKit.WaitForAsync(async () => await FaultTestKit.ReadyStatusAsync(fixture) == 200, TimeSpan.FromSeconds(60)),
            "not ready again after the outage");
        ScrapedMetrics after = await fixture.ScrapeAsync();
        Assert.Equal(1, after.Value("funnel_kafka_up"));
        Assert.Equal(1, after.Value("funnel_kafka_outages_total"));
        Assert.Equal(set.Retries, last.Sum("funnel_events_duplicate_total"));
        Assert.Empty(await FaultTestKit.CommittedAtEndsAsync(fixture.Broker.BootstrapServers, fixture.Settings.Raw.Kafka.GroupId, 2, TimeSpan.FromSeconds(60)));

        // One line announces the outage and one its end; the clients' reconnect failures stay below warning level, in every component.
        var outageLines = logs.Lines.Where(l => l.Message.StartsWith("Kafka outage", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, outageLines.Count);
        Assert.StartsWith("Kafka outage: all brokers are down", outageLines[0].Message);
        Assert.StartsWith("Kafka outage over", outageLines[1].Message);
        string[] reconnectNoise = ["Local_Transport", "Local_AllBrokersDown", "librdkafka FAIL", "Connection refused"];
        var noise = logs.Lines
            .Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && !l.Message.StartsWith("Kafka outage", StringComparison.Ordinal))
            .Where(l => reconnectNoise.Any(n => l.Message.Contains(n, StringComparison.Ordinal)))
            .ToList();
        Assert.True(noise.Count == 0, "reconnect failures logged at warning or above: " + string.Join(" | ", noise.Select(l => $"{l.Category}: {l.Message}")));
    }
}
