using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Outputs.Topics;
using FunnelStream.Tests.Engine;
using static FunnelStream.Tests.Engine.EngineTestKit;

namespace FunnelStream.Tests.Topics;

/// <summary>
/// Window records and their revisions (issue 5), driven through a real engine with explicit
/// processing time: final closes, idle flushes of quiet streams, and revisions after late events.
/// </summary>
public class KpiWindowRecordsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly long Idle = 30_000;

    private sealed class Rig
    {
        public Rig(TimeSpan? lateness = null)
        {
            Kit = new EngineTestKit();
            Sink = new KpiWindowRecords(new WindowMetrics(Kit.Funnel), "USD", List);
            Engine = new FunnelEngine(Kit.Funnel, new EngineOptions
            {
                WindowSizes = [Hour],
                AllowedLateness = lateness ?? TimeSpan.FromMinutes(5),
                IdleSourceTimeout = TimeSpan.FromMilliseconds(Idle),
            }, Kit.Interners, Sink);
        }

        public EngineTestKit Kit { get; }

        public KpiRecordList List { get; } = new();

        public KpiWindowRecords Sink { get; }

        public FunnelEngine Engine { get; }

        public EventOutcome Add(string stage, DateTimeOffset ts, string campaign = "spring", double cost = 0, double amount = 0) =>
            Engine.Process(Kit.Event(stage, ts, campaign, cost: cost, amount: amount));
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    [Fact]
    public void OnWindowClosed_WatermarkPassesEndPlusLateness_OneFinalRevisionZeroPerBreakdown()
    {
        var rig = new Rig();
        rig.Engine.SetProcessingTime(Ms(T0));
        rig.Add("impression", T0.AddMinutes(1), cost: 0.5);
        rig.Add("click", T0.AddMinutes(2), cost: 1.25);
        rig.Add("click", T0.AddMinutes(3), campaign: "summer");
        Assert.Empty(rig.List.Records);

        rig.Add("impression", T0.AddHours(1).AddMinutes(5)); // watermark - lateness reaches the first window's end
        Assert.Equal(2, rig.List.Records.Count);
        JsonElement spring = rig.List.Values.Single(v => v.GetProperty("breakdown").GetProperty("campaign").GetString() == "spring");
        Assert.Equal(0, spring.GetProperty("revision").GetInt32());
        Assert.True(spring.GetProperty("final").GetBoolean());
        Assert.Equal("2026-11-22T10:00:00.000Z", spring.GetProperty("window_start").GetString());
        Assert.Equal("2026-11-22T11:00:00.000Z", spring.GetProperty("window_end").GetString());
        Assert.Equal(3600, spring.GetProperty("window_size_s").GetInt64());
        Assert.Equal(1, spring.GetProperty("counts").GetProperty("impression").GetInt64());
        Assert.Equal(1, spring.GetProperty("counts").GetProperty("click").GetInt64());
        Assert.Equal(0, spring.GetProperty("counts").GetProperty("won").GetInt64());
        Assert.Equal(1.75m, spring.GetProperty("spend").GetDecimal());
        Assert.Equal(1.0, spring.GetProperty("kpis").GetProperty("ctr").GetDouble());
        Assert.Equal(1.75, spring.GetProperty("kpis").GetProperty("cpc").GetDouble());
        Assert.False(spring.GetProperty("kpis").TryGetProperty("cpl", out _)); // no lead: no value, not 0
    }

    [Fact]
    public void SetProcessingTime_QuietShorterThanIdleTimeout_PublishesNothing()
    {
        var rig = new Rig();
        rig.Engine.SetProcessingTime(Ms(T0.AddHours(3)));
        rig.Add("click", T0.AddMinutes(2));
        rig.Engine.SetProcessingTime(Ms(T0.AddHours(3)) + Idle - 1);
        Assert.Empty(rig.List.Records);
    }

    [Fact]
    public void SetProcessingTime_QuietForIdleTimeout_PublishesEndedWindowsProvisionally()
    {
        var rig = new Rig();
        long now = Ms(T0.AddHours(1).AddMinutes(4)); // processing time: the window ended 4 min ago, lateness is 5 min
        rig.Engine.SetProcessingTime(now);
        rig.Add("click", T0.AddMinutes(2));
        rig.Engine.SetProcessingTime(now + Idle);
        Assert.Empty(rig.List.Records); // end + lateness still ahead of processing time

        rig.Engine.SetProcessingTime(now + 60_000 + Idle);
        JsonElement record = Assert.Single(rig.List.Values);
        Assert.Equal(0, record.GetProperty("revision").GetInt32());
        Assert.False(record.GetProperty("final").GetBoolean());

        rig.Engine.SetProcessingTime(now + 120_000 + Idle);
        Assert.Single(rig.List.Records); // unchanged: nothing more to say
    }

    [Fact]
    public void Process_EventWithinLatenessOfAFlushedWindow_CountedAndNextFlushIsRevisionOne()
    {
        var rig = new Rig();
        long now = Ms(T0.AddHours(5));
        rig.Engine.SetProcessingTime(now);
        rig.Add("click", T0.AddMinutes(50));
        rig.Engine.SetProcessingTime(now + Idle);
        Assert.Single(rig.List.Records);

        // Within the allowed lateness of the event-time watermark (10:50): counted, as replay counts it.
        Assert.Equal(EventOutcome.Counted, rig.Add("click", T0.AddMinutes(46)));
        rig.Engine.SetProcessingTime(now + 2 * Idle);

        Assert.Equal(2, rig.List.Records.Count);
        Assert.Equal(rig.List.Records[0].Key, rig.List.Records[1].Key);
        Assert.Equal(1, rig.List.Records[1].Revision);
        Assert.Equal(1, rig.List.Value(1).GetProperty("revision").GetInt32());
        Assert.Equal(2, rig.List.Value(1).GetProperty("counts").GetProperty("click").GetInt64());
    }

    [Fact]
    public void OnWindowClosed_AfterFlushUnchanged_NextRevisionMarksFinal()
    {
        var rig = new Rig();
        long now = Ms(T0.AddHours(5));
        rig.Engine.SetProcessingTime(now);
        rig.Add("click", T0.AddMinutes(50));
        rig.Engine.SetProcessingTime(now + Idle);
        rig.Add("click", T0.AddHours(2)); // the event-time watermark closes the window for good

        Assert.Equal(2, rig.List.Records.Count);
        JsonElement last = rig.List.Value(1);
        Assert.Equal(1, last.GetProperty("revision").GetInt32());
        Assert.True(last.GetProperty("final").GetBoolean());
        Assert.Equal(1, last.GetProperty("counts").GetProperty("click").GetInt64());
        Assert.Equal(0, rig.Sink.Pending);
    }

    [Fact]
    public void Process_BeyondLatenessAfterClose_LateAndNoNewRevision()
    {
        var rig = new Rig();
        rig.Engine.SetProcessingTime(Ms(T0));
        rig.Add("click", T0.AddMinutes(10));
        rig.Add("click", T0.AddHours(2));
        int before = rig.List.Records.Count;
        Assert.Equal(EventOutcome.Late, rig.Add("click", T0.AddMinutes(20)));
        rig.Engine.SetProcessingTime(Ms(T0) + 10 * Idle);
        // Only the still-open 12:00 window may be flushed; the closed 10:00 window gets nothing.
        Assert.DoesNotContain(rig.List.Values.Skip(before), v => v.GetProperty("window_start").GetString() == "2026-11-22T10:00:00.000Z");
    }

    [Fact]
    public void Encode_EveryRecordKind_ValidAgainstTheSchemas()
    {
        var rig = new Rig();
        long now = Ms(T0.AddHours(5));
        rig.Engine.SetProcessingTime(now);
        rig.Add("impression", T0.AddMinutes(1), cost: 0.012);
        rig.Add("click", T0.AddMinutes(2), cost: 1.25);
        rig.Add("lead", T0.AddMinutes(3), campaign: "unknown");
        rig.Add("won", T0.AddMinutes(4), amount: 12000);
        rig.Add("spend", T0.AddMinutes(5), cost: 2000);
        rig.Engine.SetProcessingTime(now + Idle); // provisional
        rig.Add("mql", T0.AddMinutes(45));
        rig.Engine.SetProcessingTime(now + 2 * Idle); // revision
        rig.Add("click", T0.AddHours(3)); // final
        Assert.True(rig.List.Records.Count >= 5);

        FunnelStream.TestSupport.JsonSchemaCheck.AssertValid("kpi-window.schema.json", rig.List.Records.Select(r => KpiRecordList.Text(r.Value)));
        FunnelStream.TestSupport.JsonSchemaCheck.AssertValid("kpi-window-key.schema.json", rig.List.Records.Select(r => KpiRecordList.Text(r.Key)));
    }

    [Fact]
    public void Encode_MetricsOfWindowMetrics_AllPresentByName()
    {
        var rig = new Rig();
        rig.Engine.SetProcessingTime(Ms(T0));
        rig.Add("impression", T0.AddMinutes(1), cost: 3);
        rig.Add("click", T0.AddMinutes(2));
        rig.Add("lead", T0.AddMinutes(3));
        rig.Add("won", T0.AddMinutes(4), amount: 100);
        rig.Engine.CloseAllWindows();

        // Whatever the catalog yields appears, by its replay name: counts, spend, revenue, then KPIs.
        var totals = new StageTotals(rig.Kit.Funnel.Stages.Count);
        foreach (string s in new[] { "impression", "click", "lead", "won" })
            totals.Counts[rig.Kit.Funnel.IndexOf(s)] = 1;
        totals.SpendMicros = 3_000_000;
        totals.AmountsMicros[rig.Kit.Funnel.IndexOf("won")] = 100_000_000;
        var expected = new List<MetricValue>();
        new WindowMetrics(rig.Kit.Funnel).Compute(totals, expected);

        JsonElement v = Assert.Single(rig.List.Values);
        foreach (MetricValue m in expected)
        {
            double actual = m.Kind switch
            {
                MetricKind.Count => v.GetProperty("counts").GetProperty(m.Name["events.".Length..]).GetInt64(),
                MetricKind.Money when m.Name is "spend" or "revenue" => v.GetProperty(m.Name).GetDouble(),
                MetricKind.Money => v.GetProperty("kpis").GetProperty(m.Name).GetDouble(),
                _ => v.GetProperty("kpis").GetProperty(m.Name).GetDouble(),
            };
            Assert.Equal(m.Kind switch { MetricKind.Count => m.Integer, MetricKind.Money => (double)m.Money, _ => m.Real }, actual);
        }
        // Everything but the counts, spend and revenue (money KPIs such as expansion_revenue included) is under "kpis".
        Assert.Equal(expected.Count(m => m.Kind != MetricKind.Count && m.Name is not ("spend" or "revenue")),
            v.GetProperty("kpis").EnumerateObject().Count());
    }
}
