using System.Globalization;
using System.Text;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Known events through the embedded broker: the worker's /metrics carries the KPI gauges of the 24 h
/// rolling window with exactly the values `replay` computes for the same events, with the
/// <c>FunnelStream:Kpis</c> constants of the configuration.
/// </summary>
public sealed class Worker_PublishesKpiGaugesMatchingReplay
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task KnownEvents_KpiGauges_EqualReplay()
    {
        await using var fixture = new WorkerFixture(configure: o =>
        {
            o.Kpis.GrossMargin = 0.8;
            o.Kpis.ExpectedPurchases = 3;
            o.Kpis.NrrBase = 50_000m;
        });
        // Every event in one clock hour three hours ago, in order: replay's hourly window and the
        // worker's 24 h rolling window hold the same events.
        long hourMs = 3_600_000;
        var h = DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / hourMs - 3) * hourMs);
        var events = new List<(string Topic, string Json)>();
        int n = 0;
        void Add(string topic, string type, int minute, string extra = "") =>
            events.Add((topic, $$"""{"id":"k-{{n++}}","type":"{{type}}","ts":"{{Ts(h.AddMinutes(minute).AddSeconds(n % 50))}}","journey":"j-{{n % 7}}","campaign":"spring","channel":"linkedin"{{extra}}}"""));
        for (int i = 0; i < 30; i++) Add("funnel.clicks", "impression", 1, ",\"cost\":0.02");
        for (int i = 0; i < 6; i++) Add("funnel.clicks", "click", 2, ",\"cost\":1.1");
        foreach (string s in new[] { "lead", "lead", "lead", "mql", "mql", "sql", "sql" }) Add("funnel.leads", s, 3);
        Add("funnel.deals", "opportunity", 4);
        Add("funnel.deals", "won", 5, ",\"amount\":4200.5");
        Add("funnel.deals", "lost", 6, ",\"amount\":1000");
        Add("funnel.deals", "renewal", 7, ",\"amount\":800");
        Add("funnel.deals", "churn", 8, ",\"amount\":300");
        Add("funnel.deals", "expansion", 9, ",\"amount\":250");
        Add("funnel.clicks", "spend", 10, ",\"cost\":40");

        using (var producer = fixture.CreateProducer())
        {
            foreach ((string topic, string json) in events)
                await WorkerFixture.ProduceAsync(producer, topic, "spring", json); // one key: one partition, in order
        }
        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(s => s.Sum("funnel_events_total") == events.Count, TimeSpan.FromSeconds(60));

        var replay = new StringWriter();
        using (var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', events.Select(e => e.Json)))))
            ReplayRunner.Run(input, replay, new ReplayOptions { Kpis = fixture.Settings.Kpis, Journeys = fixture.Settings.Journeys });
        Dictionary<string, double> expected = replay.ToString().Split('\n').Skip(1).Where(l => l.Length > 0 && !l.Split(',')[2].StartsWith("journey.", StringComparison.Ordinal))
            .ToDictionary(l => l.Split(',')[2], l => double.Parse(l.Split(',')[3], CultureInfo.InvariantCulture));

        (string Family, (string, string)[] Labels)[] gauges =
        [
            ("funnel_ctr_ratio", []), ("funnel_cost_per_mille", []), ("funnel_cost_per_click", []), ("funnel_cost_per_lead", []),
            ("funnel_customer_acquisition_cost", []), ("funnel_traffic_to_lead_ratio", []), ("funnel_win_ratio", []),
            ("funnel_closed_win_ratio", []), ("funnel_average_deal_size", []), ("funnel_roi_ratio", []),
            ("funnel_customer_lifetime_value", []), ("funnel_ltv_to_cac_ratio", []), ("funnel_cac_payback_months", []),
            ("funnel_renewal_ratio", []), ("funnel_net_revenue_retention_ratio", []), ("funnel_rolling_revenue", []),
            ("funnel_rolling_spend", []), ("funnel_rolling_expansion_revenue", []), ("funnel_rolling_churned_revenue", []),
            ("funnel_cost_per_action", [("stage", "mql")]), ("funnel_sales_velocity_per_day", []),
        ];
        string[] metrics =
        [
            "ctr", "cpm", "cpc", "cpl", "cac", "traffic_to_lead", "win_rate", "closed_win_rate", "avg_deal_size", "mroi",
            "ltv", "ltv_cac", "cac_payback_months", "renewal_rate", "nrr", "revenue", "spend", "expansion_revenue",
            "churned_revenue", "cpa.mql", "sales_velocity_per_day",
        ];
        for (int i = 0; i < gauges.Length; i++)
        {
            double? value = m.Value(gauges[i].Family, [.. gauges[i].Labels, ("window", "24h")]);
            Assert.True(value == expected[metrics[i]], $"{gauges[i].Family} = {value}, replay's {metrics[i]} = {expected[metrics[i]]}");
        }
        // Nothing in the 24 h before: no period-over-period value. The 5 min window (minutes 6-10) has no
        // won, the 5 min before it (minutes 1-5) has the one: revenue fell by 100 %.
        Assert.Null(m.Value("funnel_period_change_ratio", ("metric", "revenue"), ("window", "24h")));
        Assert.Equal(-1, m.Value("funnel_period_change_ratio", ("metric", "revenue"), ("window", "5m")));
        // Sales velocity divides by the mean cycle of the journeys won in the window: here one journey,
        // j-3, lead at minute 3 + 38 s, won at minute 5 + 45 s: 127 s. Replay measured the same above.
        Assert.Equal(1 * 4200.5 * (1.0 / 2) / (127.0 / 86_400), m.Value("funnel_sales_velocity_per_day", ("window", "24h"))!.Value, 9);
        Assert.Equal(1.0 / 6 * 2, m.Value("funnel_conversion_ratio", ("from", "click"), ("to", "mql"), ("window", "24h"))!.Value, 12);
    }
}
