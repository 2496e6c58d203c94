using System.Globalization;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Known journeys go through the embedded broker; the worker's /metrics shows their journey-based
/// conversion per entry cohort, time to convert, stalled journeys and the store's size, exactly.
/// </summary>
public sealed class Worker_ExportsJourneyMetrics
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task KnownJourneys_JourneyMetricsExact()
    {
        await using var fixture = new WorkerFixture(partitions: 1, configure: o =>
        {
            o.Journeys.ScanInterval = TimeSpan.Zero;
            o.Journeys.StageSla = new() { ["mql"] = TimeSpan.FromMinutes(1) };
        });
        DateTimeOffset t0 = DateTimeOffset.UtcNow.AddMinutes(-20);
        string[] events =
        [
            $$"""{"id":"c-1","type":"click","ts":"{{Ts(t0)}}","journey":"v-1","campaign":"spring","channel":"linkedin"}""",
            $$"""{"id":"c-2","type":"click","ts":"{{Ts(t0.AddSeconds(1))}}","journey":"v-2","campaign":"spring","channel":"linkedin"}""",
            $$"""{"id":"c-3","type":"click","ts":"{{Ts(t0.AddSeconds(2))}}","journey":"v-3","campaign":"spring","channel":"email"}""",
            $$"""{"id":"l-2","type":"lead","ts":"{{Ts(t0.AddSeconds(61))}}","journey":"v-2"}""",
            $$"""{"id":"l-1","type":"lead","ts":"{{Ts(t0.AddSeconds(90))}}","journey":"v-1"}""",
            $$"""{"id":"m-1","type":"mql","ts":"{{Ts(t0.AddSeconds(120))}}","journey":"v-1"}""",
            $$"""{"id":"m-1","type":"mql","ts":"{{Ts(t0.AddSeconds(120))}}","journey":"v-1"}""", // a retry: counted once
            // Moves the watermark 10 minutes on, so every conversion above is final and v-1 is past its mql SLA.
            $$"""{"id":"i-1","type":"impression","ts":"{{Ts(t0.AddMinutes(10))}}","campaign":"spring","channel":"linkedin"}""",
        ];
        using (var producer = fixture.CreateProducer())
        {
            foreach (string json in events)
                await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, json);
        }

        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Value("funnel_journey_time_to_convert_seconds_count", ("from", "click"), ("to", "lead")) == 2,
            TimeSpan.FromSeconds(60));

        (string, string)[] clickLead = [("from", "click"), ("to", "lead")];
        Assert.Equal(3, m.Sum("funnel_journey_cohort_entered", clickLead));
        Assert.Equal(2, m.Sum("funnel_journey_cohort_converted", clickLead));
        string cohort = DateTimeOffset.FromUnixTimeSeconds(t0.ToUnixTimeSeconds() / 86_400 * 86_400).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (t0.AddSeconds(2).UtcDateTime.Date == t0.UtcDateTime.Date)
            Assert.Equal(2.0 / 3, m.Value("funnel_journey_conversion_ratio", [.. clickLead, ("cohort", cohort), ("mature", "false")]));
        Assert.Equal(1, m.Sum("funnel_journey_cohort_converted", ("from", "lead"), ("to", "mql")));
        Assert.Equal(150, m.Value("funnel_journey_time_to_convert_seconds_sum", clickLead));
        Assert.Equal(1, m.Value("funnel_journey_time_to_convert_seconds_bucket", [.. clickLead, ("le", "60.0")]));
        Assert.Equal(2, m.Value("funnel_journey_time_to_convert_seconds_bucket", [.. clickLead, ("le", "300.0")]));
        Assert.Equal(2, m.Value("funnel_journey_time_to_convert_seconds_bucket", [.. clickLead, ("le", "+Inf")]));
        Assert.Equal(1, m.Value("funnel_journeys_stalled", ("stage", "mql")));
        Assert.Equal(60, m.Value("funnel_journey_stage_sla_seconds", ("stage", "mql")));
        Assert.Equal(3, m.Value("funnel_journeys_tracked"));
        Assert.Equal(1_000_000, m.Value("funnel_journeys_max"));
        Assert.True(m.Value("funnel_journey_store_bytes") > 0);
        Assert.Equal(0, m.Value("funnel_journey_evictions_total"));
        Assert.Equal(0, m.Value("funnel_journey_sales_cycle_seconds_count"));
        // Journey ids never become labels.
        Assert.DoesNotContain("v-1", m.Text);
    }
}
