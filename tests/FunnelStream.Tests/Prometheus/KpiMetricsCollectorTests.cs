using System.Buffers;
using System.Globalization;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Outputs.Prometheus;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.Tests.Prometheus;

public class KpiMetricsCollectorTests
{
    private static readonly KpiOptions Options = new() { GrossMargin = 0.75, ExpectedPurchases = 2.5, NrrBaseMicros = 100_000_000_000 };

    /// <summary>
    /// A known event set: the 09:00 hour and the 10:00 hour (newest event 10:50), each with every stage,
    /// spend and deal amounts, so that the rolling 1 h window equals replay's 10:00 window and the
    /// window before it equals replay's 09:00 window.
    /// </summary>
    private static readonly string[] Lines = BuildLines();

    private static string[] BuildLines()
    {
        var lines = new List<string>();
        int id = 0;
        void Add(string type, int hour, int minute, string extra = "") =>
            lines.Add($$"""{"id":"e{{id++}}","type":"{{type}}","ts":"2026-03-02T{{hour:00}}:{{minute:00}}:00Z","journey":"j{{id}}","campaign":"c{{id % 3}}","channel":"ch{{id % 2}}"{{extra}}}""");
        foreach ((int hour, int scale) in new[] { (9, 1), (10, 2) })
        {
            for (int i = 0; i < 40 * scale; i++)
                Add("impression", hour, i % 50, ",\"cost\":0.013");
            for (int i = 0; i < 9 * scale; i++)
                Add("click", hour, i % 50, ",\"cost\":1.37");
            foreach (string s in new[] { "lead", "lead", "lead", "mql", "mql", "sql", "sql", "opportunity", "lost" })
                Add(s, hour, 20);
            for (int i = 0; i < scale; i++)
                Add("won", hour, 30 + i, $",\"amount\":{1234.56 * (i + hour):0.##}");
            Add("renewal", hour, 35, ",\"amount\":500");
            Add("churn", hour, 36, ",\"amount\":250.5");
            Add("expansion", hour, 37, ",\"amount\":99.99");
            Add("spend", hour, 50, $",\"cost\":{17 * scale}");
        }
        // In event-time order, so that nothing is late.
        return lines.OrderBy(l => l[l.IndexOf("\"ts\"", StringComparison.Ordinal)..], StringComparer.Ordinal).ToArray();
    }

    /// <summary>The exposition's samples: "name{labels}" to value.</summary>
    private static Dictionary<string, double> Scrape(IMetricsCollector collector)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MetricsWriter(buffer, ExpositionFormat.PrometheusText004);
        collector.Collect(writer);
        writer.Finish();
        return Encoding.UTF8.GetString(buffer.WrittenSpan).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static FunnelEngine Feed(IEnumerable<string> lines)
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        var interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions(), interners);
        parser.SetClock(new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        var engine = new FunnelEngine(funnel, new EngineOptions(), interners);
        foreach (string line in lines)
        {
            Assert.Equal(RejectReason.None, parser.Parse(Encoding.UTF8.GetBytes(line), out FunnelEvent e));
            Assert.Equal(EventOutcome.Counted, engine.Process(e));
        }
        return engine;
    }

    /// <summary>Replay's 10:00 window, totals: metric name to value.</summary>
    private static Dictionary<string, double> ReplayTenOClock()
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', Lines)));
        using var output = new StringWriter();
        ReplayRunner.Run(input, output, new ReplayOptions { Now = new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero), Kpis = Options });
        return output.ToString().Split('\n')
            .Where(l => l.StartsWith("2026-03-02T10:00:00.000Z,", StringComparison.Ordinal))
            .ToDictionary(l => l.Split(',')[2], l => double.Parse(l.Split(',')[3], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Collect_KnownEvents_TotalsEqualReplaysWindowOfTheSameSpan()
    {
        var collector = new KpiMetricsCollector(Feed(Lines), [TimeSpan.FromHours(1)], Options);
        Dictionary<string, double> samples = Scrape(collector);
        Dictionary<string, double> replay = ReplayTenOClock();

        // The series each replay metric is published as (docs/metrics.md, "KPIs").
        var series = new Dictionary<string, string>
        {
            ["spend"] = "funnel_rolling_spend{window=\"1h\"}",
            ["revenue"] = "funnel_rolling_revenue{window=\"1h\"}",
            ["expansion_revenue"] = "funnel_rolling_expansion_revenue{window=\"1h\"}",
            ["churned_revenue"] = "funnel_rolling_churned_revenue{window=\"1h\"}",
            ["ctr"] = "funnel_ctr_ratio{window=\"1h\"}",
            ["cpm"] = "funnel_cost_per_mille{window=\"1h\"}",
            ["cpc"] = "funnel_cost_per_click{window=\"1h\"}",
            ["cpl"] = "funnel_cost_per_lead{window=\"1h\"}",
            ["cac"] = "funnel_customer_acquisition_cost{window=\"1h\"}",
            ["traffic_to_lead"] = "funnel_traffic_to_lead_ratio{window=\"1h\"}",
            ["win_rate"] = "funnel_win_ratio{window=\"1h\"}",
            ["closed_win_rate"] = "funnel_closed_win_ratio{window=\"1h\"}",
            ["avg_deal_size"] = "funnel_average_deal_size{window=\"1h\"}",
            ["mroi"] = "funnel_roi_ratio{window=\"1h\"}",
            ["ltv"] = "funnel_customer_lifetime_value{window=\"1h\"}",
            ["ltv_cac"] = "funnel_ltv_to_cac_ratio{window=\"1h\"}",
            ["cac_payback_months"] = "funnel_cac_payback_months{window=\"1h\"}",
            ["revenue_change"] = "funnel_period_change_ratio{metric=\"revenue\",window=\"1h\"}",
            ["deals_change"] = "funnel_period_change_ratio{metric=\"deals\",window=\"1h\"}",
            ["renewal_rate"] = "funnel_renewal_ratio{window=\"1h\"}",
            ["nrr"] = "funnel_net_revenue_retention_ratio{window=\"1h\"}",
        };
        foreach (string stage in FunnelDefinition.Default.Stages.Where(s => s != "spend"))
            series[$"cpa.{stage}"] = $"funnel_cost_per_action{{stage=\"{stage}\",window=\"1h\"}}";

        foreach ((string metric, string name) in series)
        {
            Assert.True(replay.ContainsKey(metric), $"replay has no {metric}");
            Assert.True(samples.TryGetValue(name, out double value), $"no sample {name}");
            Assert.True(replay[metric] == value, $"{name} = {value}, replay's {metric} = {replay[metric]}");
        }
        // Every gauge sample is one of the above: nothing published that replay lacks.
        Assert.Equal(series.Values.Order(), samples.Keys.Order());
        Assert.True(samples["funnel_period_change_ratio{metric=\"deals\",window=\"1h\"}"] == 1); // 2 deals vs 1
    }

    [Fact]
    public void Collect_SalesCycleSource_VelocityPublishedForTheRollingWindow()
    {
        var cycle = new Replay.FixedSalesCycle(20);
        var collector = new KpiMetricsCollector(Feed(Lines), [TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)], Options, cycle);
        Dictionary<string, double> samples = Scrape(collector);
        Dictionary<string, double> replay = ReplayTenOClock();
        // 1 opportunity * average deal * win rate (won / sql) / 20 days
        Assert.Equal(1 * replay["avg_deal_size"] * (2.0 / 2) / 20, samples["funnel_sales_velocity_per_day{window=\"1h\"}"]);
        long end = new DateTimeOffset(2026, 3, 2, 10, 51, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Contains((end - 3_600_000, end, ""), cycle.Calls);
        Assert.Contains((end - 300_000, end, ""), cycle.Calls);
    }

    [Fact]
    public void Collect_ZeroDenominators_NoSamplesButEveryFamilyDeclared()
    {
        var collector = new KpiMetricsCollector(Feed(["""{"id":"x","type":"impression","ts":"2026-03-02T10:00:00Z"}"""]), [TimeSpan.FromMinutes(5)], KpiOptions.Default);
        Dictionary<string, double> samples = Scrape(collector);
        // One impression, nothing else: CTR 0 and CPM 0 (zero spend), money sums 0, every other KPI absent.
        Assert.Equal(
            ["funnel_cost_per_action{stage=\"impression\",window=\"5m\"}", "funnel_cost_per_mille{window=\"5m\"}", "funnel_ctr_ratio{window=\"5m\"}",
             "funnel_rolling_churned_revenue{window=\"5m\"}", "funnel_rolling_expansion_revenue{window=\"5m\"}",
             "funnel_rolling_revenue{window=\"5m\"}", "funnel_rolling_spend{window=\"5m\"}"],
            samples.Keys.Order(StringComparer.Ordinal));
        Assert.All(samples.Values, v => Assert.Equal(0, v));
        Assert.Contains("funnel_roi_ratio", collector.FamilyNames);
    }

    [Fact]
    public void Collect_NoEventsYet_FamiliesWithoutSamples()
    {
        var collector = new KpiMetricsCollector(Feed([]), [TimeSpan.FromMinutes(5)], KpiOptions.Default);
        Assert.Empty(Scrape(collector));
    }

    [Fact]
    public void FamilyNames_EveryOne_DocumentedInMetricsMd()
    {
        string docs = File.ReadAllText(Path.Combine(Deploy.DeployKit.Root, "docs", "metrics.md"));
        var collector = new KpiMetricsCollector(Feed([]), [TimeSpan.FromMinutes(5)], new KpiOptions { NrrBaseMicros = 1 }, new Replay.FixedSalesCycle(1));
        Assert.All(collector.FamilyNames, name => Assert.Contains($"| `{name}` |", docs));
    }

    [Fact]
    public void CatalogNames_EveryOne_DocumentedInKpisMd()
    {
        string docs = File.ReadAllText(Path.Combine(Deploy.DeployKit.Root, "docs", "kpis.md"));
        foreach (string name in new KpiCatalog(FunnelDefinition.Default, new KpiOptions { NrrBaseMicros = 1 }).All.Select(k => k.Name))
        {
            string documented = name.StartsWith("conversion.", StringComparison.Ordinal) ? "conversion.<a>.<b>"
                : name.StartsWith("cpa.", StringComparison.Ordinal) ? "cpa.<stage>" : name;
            Assert.Contains($"| `{documented}` |", docs);
        }
    }
}
