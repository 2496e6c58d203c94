using System.Text.Json;
using FunnelStream.Events;
using FunnelStream.Web;

namespace FunnelStream.IntegrationTests.Web;

// Unit tests of the live page's JSON (GET /api/funnel) from a known exposition; the page itself in a
// browser is FunnelPage_MatchesMetricsInChromium.
public sealed class FunnelReportTests
{
    private static readonly TimeSpan[] Windows = [TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)];

    [Fact]
    public void Parse_EscapedLabelValues_ReadBackAsWritten()
    {
        ExpositionSnapshot snapshot = ExpositionSnapshot.Parse("# HELP m x\n# TYPE m gauge\nm{a=\"q\\\"uote\\\\back\\nline\",b=\"x y\"} 2.5\nm 1\nn_total{a=\"1\"} +Inf\n");

        Assert.Equal(3, snapshot.SampleCount);
        ExpositionSample first = snapshot.Samples("m")[0];
        Assert.Equal("q\"uote\\back\nline", first.Label("a"));
        Assert.Equal("x y", first.Label("b"));
        Assert.Equal(2.5, first.Value);
        Assert.Equal(3.5, snapshot.Sum("m"));
        Assert.Equal(double.PositiveInfinity, snapshot.Sum("n_total", ("a", "1")));
    }

    [Fact]
    public void Write_StagesSummedOverBreakdowns_FunnelOrderConversionsAndKpis()
    {
        JsonElement report = Report("""
            funnel_events_total{stage="impression",campaign="a",channel="x"} 600
            funnel_events_total{stage="impression",campaign="b",channel="x"} 400
            funnel_events_total{stage="click",campaign="a",channel="x"} 30
            funnel_events_total{stage="click",campaign="b",channel="x"} 20
            funnel_events_total{stage="lead",campaign="a",channel="x"} 5
            funnel_events_total{stage="won",campaign="a",channel="x"} 0
            funnel_spend_total{campaign="a",channel="x"} 60
            funnel_spend_total{campaign="b",channel="x"} 40
            funnel_revenue_total{campaign="a",channel="x"} 0
            funnel_conversion_ratio{from="impression",to="click",window="5m"} 0.04
            funnel_roi_ratio{window="1h"} 0.5
            funnel_roi_ratio{window="24h"} -0.25
            """);

        string[] stages = report.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString()!).ToArray();
        Assert.Equal(FunnelDefinition.Default.Stages.Where(s => s != "spend"), stages);
        Assert.Equal(1000, Stage(report, "impression"));
        Assert.Equal(50, Stage(report, "click"));
        Assert.Equal(0, Stage(report, "mql"));

        JsonElement first = report.GetProperty("transitions")[0];
        Assert.Equal(("impression", "click"), (first.GetProperty("from").GetString(), first.GetProperty("to").GetString()));
        Assert.Equal(0.05, first.GetProperty("ratio").GetDouble(), 12);
        Assert.Equal(0.04, first.GetProperty("windows").GetProperty("5m").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("windows").GetProperty("1h").ValueKind);

        Assert.Equal(0.05, Kpi(report, "ctr")!.Value, 12);
        Assert.Equal(2.0, Kpi(report, "cpc")!.Value, 12);
        Assert.Equal(20.0, Kpi(report, "cpl")!.Value, 12);
        Assert.Equal(100.0, Kpi(report, "cpm")!.Value, 12);
        // No won deal: CAC has no value (spec/kpis.md), not 0 and not infinity.
        Assert.Null(Kpi(report, "cac"));
        // Marketing ROI is the worker's 24 h gauge (it applies the gross margin), not a counter ratio.
        Assert.Equal(-0.25, Kpi(report, "roi"));

        JsonElement campaigns = report.GetProperty("breakdowns").GetProperty("campaign");
        Assert.Equal(["a", "b"], campaigns.EnumerateArray().Select(c => c.GetProperty("value").GetString()!));
        Assert.Equal(600, campaigns[0].GetProperty("counts").GetProperty("impression").GetDouble());
        Assert.Equal(40, campaigns[1].GetProperty("spend").GetDouble());
        Assert.Equal(100, report.GetProperty("spend").GetDouble());
    }

    [Fact]
    public void Write_NoEvents_RatiosAndKpisNullAndNoAlerts()
    {
        JsonElement report = Report("funnel_consumer_records_total 0\n");

        Assert.All(report.GetProperty("transitions").EnumerateArray(), t => Assert.Equal(JsonValueKind.Null, t.GetProperty("ratio").ValueKind));
        Assert.All(report.GetProperty("kpis").EnumerateArray(), k => Assert.Equal(JsonValueKind.Null, k.GetProperty("value").ValueKind));
        Assert.Equal(0, report.GetProperty("alerts").GetArrayLength());
    }

    [Fact]
    public void Write_LeakageActiveAtOne_AlertWithTheBoundsOfItsTransitionAndScope()
    {
        JsonElement report = Report("""
            funnel_leakage_active{from="mql",to="sql",scope="campaign=brand"} 1
            funnel_leakage_active{from="mql",to="sql",scope="all"} 0
            funnel_leakage_active{from="lead",to="mql",scope="all"} 0
            funnel_conversion_lower_ratio{from="mql",to="sql",scope="all"} 0.1
            funnel_conversion_upper_ratio{from="mql",to="sql",scope="all"} 0.2
            funnel_conversion_lower_ratio{from="mql",to="sql",scope="campaign=brand"} 0.03
            funnel_conversion_upper_ratio{from="mql",to="sql",scope="campaign=brand"} 0.07
            """);

        JsonElement alert = Assert.Single(report.GetProperty("alerts").EnumerateArray());
        Assert.Equal("mql", alert.GetProperty("from").GetString());
        Assert.Equal("sql", alert.GetProperty("to").GetString());
        Assert.Equal("campaign=brand", alert.GetProperty("scope").GetString());
        Assert.Equal(0.03, alert.GetProperty("lower").GetDouble());
        Assert.Equal(0.07, alert.GetProperty("upper").GetDouble());
    }

    private static JsonElement Report(string exposition)
    {
        ExpositionSnapshot snapshot = ExpositionSnapshot.Parse(exposition);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
            FunnelReport.Write(json, snapshot, FunnelDefinition.Default, Windows, "USD", DateTimeOffset.UnixEpoch);
        using JsonDocument doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static double Stage(JsonElement report, string stage) =>
        report.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == stage).GetProperty("count").GetDouble();

    private static double? Kpi(JsonElement report, string key)
    {
        JsonElement value = report.GetProperty("kpis").EnumerateArray().Single(k => k.GetProperty("key").GetString() == key).GetProperty("value");
        return value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();
    }
}
