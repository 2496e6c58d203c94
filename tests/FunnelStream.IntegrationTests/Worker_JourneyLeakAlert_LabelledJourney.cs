using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FunnelStream.Configuration;
using FunnelStream.Engine.Leakage;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A transition configured with RateSource journey, through the embedded broker and the worker: the
/// leakage gauges carry rate_source="journey" (total scope only) and the alert records on
/// funnel.alerts say "rate_source":"journey".
/// </summary>
public sealed class Worker_JourneyLeakAlert_LabelledJourney
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task DropInMatureCohortsThenRecovery_JourneyGaugesAndRecords()
    {
        await using var fixture = new WorkerFixture(configure: o =>
        {
            // 1 h cohorts mature 1 h (+ lateness) after they end; the lookback holds about four of them.
            o.Journeys.ConversionWindow = TimeSpan.FromHours(1);
            o.Journeys.CohortSize = TimeSpan.FromHours(1);
            o.Leakage.JourneyLookback = TimeSpan.FromHours(6);
            o.Leakage.Transitions =
            [
                new LeakageTransitionSettings { From = "mql", To = "sql", Benchmark = 0.25, Baseline = BaselineKind.None, RateSource = LeakageRateSource.Journey },
            ];
        });
        fixture.Broker.CreateTopic("funnel.alerts", 1);

        // 26 hourly cohorts of 120 MQLs ending 2 h ago: 30 % reach SQL 20 min later, except hours 8-13 (5 %).
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(now / 3_600_000 * 3_600_000).AddHours(-28);
        var events = new List<(DateTimeOffset Ts, string Json, string Journey)>();
        for (int hour = 0; hour < 26; hour++)
        {
            double rate = hour is >= 8 and < 14 ? 0.05 : 0.3;
            for (int i = 0; i < 120; i++)
            {
                string journey = $"j-{hour}-{i}";
                DateTimeOffset ts = t0.AddHours(hour).AddSeconds(30 * i);
                events.Add((ts, Json("mql", journey, ts), journey));
                if (Math.Floor((i + 1) * rate) > Math.Floor(i * rate))
                    events.Add((ts.AddMinutes(20), Json("sql", journey, ts.AddMinutes(20)), journey));
            }
        }
        using (var producer = fixture.CreateProducer())
        {
            foreach ((DateTimeOffset _, string json, string journey) in events.OrderBy(e => e.Ts))
                producer.Produce("funnel.leads", new Message<string?, byte[]> { Key = journey, Value = Encoding.UTF8.GetBytes(json) });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Value("funnel_consumer_records_total") == events.Count && s.Value("funnel_leakage_alerts_resolved_total") >= 1,
            TimeSpan.FromSeconds(120));
        (string, string)[] total = [("from", "mql"), ("to", "sql"), ("scope", "total"), ("rate_source", "journey")];
        Assert.Equal(0, m.Value("funnel_leakage_active", total));
        Assert.Equal(1, m.Value("funnel_leakage_sample_sufficient", total));
        Assert.Equal(0.3, m.Value("funnel_conversion_observed_ratio", total)!.Value, 6);
        // Journeys span breakdowns: no campaign or channel scope for a journey transition.
        Assert.DoesNotContain(m.Text.Split('\n'), l => l.StartsWith("funnel_leakage_active{", StringComparison.Ordinal) && !l.Contains("scope=\"total\"", StringComparison.Ordinal));
        Assert.Equal(1, m.Value("funnel_leakage_alerts_opened_total"));

        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = fixture.Broker.BootstrapServers,
            GroupId = "alerts-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe("funnel.alerts");
        var kinds = new List<(string? Kind, string? RateSource)>();
        DateTime until = DateTime.UtcNow.AddSeconds(60);
        while (!kinds.Any(k => k.Kind == "resolved") && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } r)
            {
                using JsonDocument doc = JsonDocument.Parse(r.Message.Value);
                kinds.Add((doc.RootElement.GetProperty("kind").GetString(), doc.RootElement.GetProperty("rate_source").GetString()));
            }
        }
        Assert.Equal("opened", kinds[0].Kind);
        Assert.Equal("resolved", kinds[^1].Kind);
        Assert.All(kinds, k => Assert.Equal("journey", k.RateSource));
    }

    private static string Json(string stage, string journey, DateTimeOffset ts) =>
        $$"""{"id":"{{stage}}-{{journey}}","type":"{{stage}}","ts":"{{Ts(ts)}}","journey":"{{journey}}","campaign":"spring","channel":"linkedin"}""";
}
