using System.Text;
using FunnelStream.Events;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.Tests.Replay;

public class ReplayRunnerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

    private static (string Output, ReplaySummary Summary) Replay(string jsonl, ReplayOptions? options = null)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        using var output = new StringWriter();
        ReplaySummary summary = ReplayRunner.Run(input, output, options ?? new ReplayOptions { Now = Now });
        return (output.ToString(), summary);
    }

    private const string Events = """
        {"id":"i1","type":"impression","ts":"2026-03-02T08:00:00Z","campaign":"spring","channel":"linkedin","cost":0.5}
        {"id":"i2","type":"impression","ts":"2026-03-02T08:10:00Z","campaign":"spring","channel":"linkedin","cost":0.5}
        {"id":"c1","type":"click","ts":"2026-03-02T08:20:00Z","journey":"v1","campaign":"spring","channel":"linkedin","cost":1.25}
        {"id":"c1","type":"click","ts":"2026-03-02T08:20:00Z","journey":"v1","campaign":"spring","channel":"linkedin","cost":1.25}
        {"id":"l1","type":"lead","ts":"2026-03-02T08:30:00Z","journey":"v1","campaign":"spring","channel":"email"}
        not json
        {"id":"w1","type":"won","ts":"2026-03-02T09:15:00.250Z","journey":"v1","amount":12000.5,"campaign":"spring","channel":"linkedin"}
        {"id":"old","type":"click","ts":"2026-03-02T09:00:00Z","journey":"v2","campaign":"spring","channel":"linkedin"}
        """;

    [Fact]
    public void Run_Totals_OneRowSetPerWindowInContractOrder()
    {
        (string output, _) = Replay(Events);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("window_start,window_end,metric,value", lines[0]);
        const string W8 = "2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,";
        const string W9 = "2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z,";
        string[] expected =
        [
            W8 + "events.impression,2", W8 + "events.click,1", W8 + "events.lead,1", W8 + "events.mql,0", W8 + "events.sql,0",
            W8 + "events.opportunity,0", W8 + "events.won,0", W8 + "events.lost,0", W8 + "events.renewal,0",
            W8 + "events.expansion,0", W8 + "events.churn,0", W8 + "events.spend,0",
            W8 + "spend,2.25", W8 + "revenue,0", W8 + "expansion_revenue,0", W8 + "churned_revenue,0",
            W8 + "ctr,0.5", W8 + "cpm,1125", W8 + "cpc,2.25", W8 + "cpl,2.25",
            W8 + "conversion.impression.click,0.5", W8 + "conversion.click.lead,1", W8 + "conversion.lead.mql,0",
            W8 + "conversion.click.mql,0", W8 + "traffic_to_lead,1",
            W8 + "cpa.impression,1.125", W8 + "cpa.click,2.25", W8 + "cpa.lead,2.25", W8 + "mroi,-1",
            W9 + "events.impression,0", W9 + "events.click,0", W9 + "events.lead,0", W9 + "events.mql,0", W9 + "events.sql,0",
            W9 + "events.opportunity,0", W9 + "events.won,1", W9 + "events.lost,0", W9 + "events.renewal,0",
            W9 + "events.expansion,0", W9 + "events.churn,0", W9 + "events.spend,0",
            W9 + "spend,0", W9 + "revenue,12000.5", W9 + "expansion_revenue,0", W9 + "churned_revenue,0", W9 + "cac,0",
            W9 + "cpa.won,0", W9 + "closed_win_rate,1", W9 + "avg_deal_size,12000.5", W9 + "ltv,12000.5", W9 + "cac_payback_months,0",
        ];
        Assert.Equal(expected, lines[1..]);
    }

    [Fact]
    public void Run_LateEvent_NotCountedAndReported()
    {
        (string output, ReplaySummary summary) = Replay(Events);
        // "old" (09:00) arrives after "won" (09:15:00.250): 15 min behind the watermark, beyond 5 min lateness.
        Assert.Equal(1, summary.Rejected[RejectReason.Late]);
        Assert.Equal(1, summary.Rejected[RejectReason.InvalidJson]);
        Assert.Equal(1, summary.Duplicates);
        Assert.Equal(5, summary.Counted);
        Assert.Equal(8, summary.Lines);
        Assert.Contains("2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z,events.click,0", output);
    }

    [Fact]
    public void Run_ByCampaignChannel_RowsPerBreakdownSortedOrdinal()
    {
        (string output, _) = Replay(Events, new ReplayOptions { Now = Now, By = ["campaign", "channel"] });
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("window_start,window_end,campaign,channel,metric,value", lines[0]);
        string[] eightOClockBreakdowns = lines.Skip(1).Where(l => l.StartsWith("2026-03-02T08", StringComparison.Ordinal))
            .Select(l => string.Join(',', l.Split(',')[2..4])).Distinct().ToArray();
        Assert.Equal(["spring,email", "spring,linkedin"], eightOClockBreakdowns);
        Assert.Contains("2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,spring,email,events.lead,1", lines);
        Assert.Contains("2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,spring,email,cpl,0", lines);
        Assert.Contains("2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,spring,linkedin,spend,2.25", lines);
    }

    [Fact]
    public void Run_DimensionWithComma_QuotedPerRfc4180()
    {
        (string output, _) = Replay("""{"id":"a","type":"click","ts":"2026-03-02T08:00:00Z","journey":"j","campaign":"a,\"b\""}""",
            new ReplayOptions { Now = Now, By = ["campaign"] });
        Assert.Contains("2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,\"a,\"\"b\"\"\",events.click,1", output);
    }

    [Fact]
    public void Run_EventOlderThanMaxAgeBeforeNewest_TooOld()
    {
        (_, ReplaySummary summary) = Replay("""
            {"id":"a","type":"click","ts":"2026-01-01T00:00:00Z","journey":"j"}
            {"id":"b","type":"click","ts":"2026-03-02T08:00:00Z","journey":"j"}
            """);
        Assert.Equal(1, summary.Rejected[RejectReason.TooOld]);
        Assert.Equal(1, summary.Counted);
    }

    [Fact]
    public void Run_HistoricalFile_AgeMeasuredFromNewestTsNotFromNow()
    {
        // A backfill a year old: nothing is too old, because age is measured from the newest ts in the file.
        (_, ReplaySummary summary) = Replay("""
            {"id":"a","type":"click","ts":"2025-03-01T00:00:00Z","journey":"j"}
            {"id":"b","type":"click","ts":"2025-03-02T08:00:00Z","journey":"j"}
            """);
        Assert.Equal(2, summary.Counted);
        Assert.Empty(summary.Rejected);
    }

    [Fact]
    public void Run_Jsonl_OneObjectPerWindowAndBreakdown()
    {
        (string output, _) = Replay(Events, new ReplayOptions { Now = Now, Format = ReplayFormat.Jsonl });
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal("2026-03-02T08:00:00.000Z", doc.RootElement.GetProperty("window_start").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("events.impression").GetInt64());
        Assert.Equal(2.25m, doc.RootElement.GetProperty("spend").GetDecimal());
        Assert.Equal(0.5, doc.RootElement.GetProperty("ctr").GetDouble());
    }
}
