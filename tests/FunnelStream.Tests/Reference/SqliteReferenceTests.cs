using System.Globalization;
using System.Text;
using FunnelStream.Generator;

namespace FunnelStream.Tests.Reference;

/// <summary>The SQL reference on tiny hand-written inputs, each with rows computed by hand.</summary>
public sealed class SqliteReferenceTests : IDisposable
{
    private const long Hour = 3_600_000;
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private const string H8 = "2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z";
    private const string H9 = "2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z";

    private readonly string _dir = Directory.CreateTempSubdirectory("funnelstream-sqlref-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Compute_OneWindowTotals_AllCountsZerosIncludedThenMoneyThenKpisWithADenominator()
    {
        string csv = Csv(
            [],
            """{"id":"i1","type":"impression","ts":"2026-03-02T08:00:00Z","cost":0.5}""",
            """{"id":"i2","type":"impression","ts":"2026-03-02T08:10:00Z","cost":0.5}""",
            """{"id":"i3","type":"impression","ts":"2026-03-02T08:20:00Z"}""",
            """{"id":"i4","type":"impression","ts":"2026-03-02T08:30:00Z"}""",
            """{"id":"c1","type":"click","ts":"2026-03-02T08:31:00Z","journey":"j1","cost":2.5}""",
            """{"id":"c2","type":"click","ts":"2026-03-02T08:32:00Z","journey":"j2","cost":2.5,"currency":"USD"}""",
            """{"id":"l1","type":"lead","ts":"2026-03-02T08:33:00Z","journey":"j1"}""",
            """{"id":"s1","type":"spend","ts":"2026-03-02T08:59:59Z","cost":10}""");

        // spend = 0.5 + 0.5 + 2.5 + 2.5 + 10 = 16; ctr = 2/4; cpm = 16/4*1000; cpc = 16/2; cpl = 16/1;
        // cac has no row (0 won); conversions from impression, click and lead only (mql, sql, opportunity are 0);
        // cost per action for the stages that occurred; mroi = (0 - 0 - 16) / 16; nothing that divides by won.
        Assert.Equal(Lines(
            $"{H8},events.impression,4", $"{H8},events.click,2", $"{H8},events.lead,1", $"{H8},events.mql,0",
            $"{H8},events.sql,0", $"{H8},events.opportunity,0", $"{H8},events.won,0", $"{H8},events.lost,0",
            $"{H8},events.renewal,0", $"{H8},events.expansion,0", $"{H8},events.churn,0", $"{H8},events.spend,1",
            $"{H8},spend,16", $"{H8},revenue,0", $"{H8},expansion_revenue,0", $"{H8},churned_revenue,0",
            $"{H8},ctr,0.5", $"{H8},cpm,4000", $"{H8},cpc,8", $"{H8},cpl,16",
            $"{H8},conversion.impression.click,0.5", $"{H8},conversion.click.lead,0.5", $"{H8},conversion.lead.mql,0",
            $"{H8},conversion.click.mql,0", $"{H8},traffic_to_lead,0.5",
            $"{H8},cpa.impression,4", $"{H8},cpa.click,8", $"{H8},cpa.lead,16", $"{H8},mroi,-1"), csv);
    }

    [Fact]
    public void Compute_SameIdAgain_OnlyTheFirstLineCounts()
    {
        string csv = Csv(
            [],
            """{"id":"a","type":"click","ts":"2026-03-02T08:00:00Z","journey":"j","cost":1}""",
            """{"id":"a","type":"click","ts":"2026-03-02T08:00:00Z","journey":"j","cost":1}""",
            """{"id":"a","type":"lead","ts":"2026-03-02T09:30:00Z","journey":"j"}""",
            """{"id":"b","type":"impression","ts":"2026-03-02T08:01:00Z"}""");

        // The second and third lines repeat id "a" (the third with other content, in another window): not counted.
        Assert.Equal(Lines(
            $"{H8},events.impression,1", $"{H8},events.click,1", $"{H8},events.lead,0", $"{H8},events.mql,0",
            $"{H8},events.sql,0", $"{H8},events.opportunity,0", $"{H8},events.won,0", $"{H8},events.lost,0",
            $"{H8},events.renewal,0", $"{H8},events.expansion,0", $"{H8},events.churn,0", $"{H8},events.spend,0",
            $"{H8},spend,1", $"{H8},revenue,0", $"{H8},expansion_revenue,0", $"{H8},churned_revenue,0",
            $"{H8},ctr,1", $"{H8},cpm,1000", $"{H8},cpc,1",
            $"{H8},conversion.impression.click,1", $"{H8},conversion.click.lead,0", $"{H8},conversion.click.mql,0",
            $"{H8},traffic_to_lead,0", $"{H8},cpa.impression,1", $"{H8},cpa.click,1", $"{H8},mroi,-1"), csv);
    }

    [Fact]
    public void Compute_InvalidLineWithAnId_DoesNotShadowALaterValidLine()
    {
        var rows = Compute(
            [],
            """{"id":"x","type":"impression","ts":"not a time"}""",
            """{"id":"x","type":"click","ts":"2026-03-02T08:00:00Z","journey":"j"}""");
        Assert.Equal(1, Value(rows, "events.click"));
    }

    [Fact]
    public void Compute_BehindTheWatermark_LateBeyondTheAllowedLatenessOnly()
    {
        var rows = Compute(
            [],
            """{"id":"1","type":"impression","ts":"2026-03-02T08:10:00Z"}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:04:59.999Z"}""",
            """{"id":"3","type":"impression","ts":"2026-03-02T08:05:00Z"}""",
            """{"id":"4","type":"impression","ts":"2026-03-02T07:59:00Z"}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:09:00Z"}""",
            """{"id":"5","type":"click","ts":"2026-03-02T08:20:00Z","journey":"j"}""",
            """{"id":"6","type":"click","ts":"2026-03-02T08:14:59Z","journey":"j"}""",
            """{"id":"7","type":"click","ts":"2026-03-02T08:15:00Z","journey":"j"}""");

        // 2 is 5 min 1 ms behind 08:10 (late), 3 exactly 5 min (counted), 4 is 11 min behind (late, so no
        // 07:00 window); the second 2 repeats a late id (a duplicate, not counted); 6 is 5 min 1 s behind 08:20.
        Assert.Equal([new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero)], rows.Select(r => r.WindowStart).Distinct());
        Assert.Equal(2, Value(rows, "events.impression"));
        Assert.Equal(2, Value(rows, "events.click"));
    }

    [Fact]
    public void Compute_OutOfOrderWithinLateness_CountedInItsOwnEarlierWindow()
    {
        string[] lines =
        [
            """{"id":"1","type":"impression","ts":"2026-03-02T09:02:00Z"}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:58:00Z"}""",
        ];

        var rows = Compute([], lines);
        Assert.Equal(1, Value(rows, "events.impression", H8));
        Assert.Equal(1, Value(rows, "events.impression", H9));

        var strict = Compute([], TimeSpan.FromMinutes(1), lines);
        Assert.DoesNotContain(strict, r => r.WindowStart.Hour == 8);
        Assert.Equal(1, Value(strict, "events.impression", H9));
    }

    [Fact]
    public void Compute_MissingOrEmptyDimension_Unknown()
    {
        string csv = Csv(
            ["campaign", "channel"],
            """{"id":"1","type":"impression","ts":"2026-03-02T08:00:00Z","campaign":"spring","channel":"linkedin"}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:01:00Z","campaign":"spring"}""",
            """{"id":"3","type":"impression","ts":"2026-03-02T08:02:00Z","campaign":"","channel":null}""",
            """{"id":"4","type":"click","ts":"2026-03-02T08:03:00Z","journey":"j","campaign":"spring","channel":"linkedin","cost":2}""");

        string[] zeros = ["lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn", "spend"];
        IEnumerable<string> Breakdown(string dims, int clicks, int spend) =>
            new[] { $"{H8},{dims},events.impression,1", $"{H8},{dims},events.click,{clicks}" }
                .Concat(zeros.Select(s => $"{H8},{dims},events.{s},0"))
                .Concat([$"{H8},{dims},spend,{spend}", $"{H8},{dims},revenue,0", $"{H8},{dims},expansion_revenue,0", $"{H8},{dims},churned_revenue,0"])
                .Concat([$"{H8},{dims},ctr,{clicks}", $"{H8},{dims},cpm,{spend * 1000}"])
                .Concat(clicks > 0 ? [$"{H8},{dims},cpc,{spend}"] : [])
                .Concat([$"{H8},{dims},conversion.impression.click,{clicks}"])
                .Concat(clicks > 0 ? [$"{H8},{dims},conversion.click.lead,0", $"{H8},{dims},conversion.click.mql,0", $"{H8},{dims},traffic_to_lead,0"] : [])
                .Concat([$"{H8},{dims},cpa.impression,{spend}"])
                .Concat(clicks > 0 ? [$"{H8},{dims},cpa.click,{spend}"] : [])
                .Concat(spend > 0 ? [$"{H8},{dims},mroi,-1"] : []);
        string expected = "window_start,window_end,campaign,channel,metric,value\n" + string.Concat(
            Breakdown("spring,linkedin", 1, 2).Concat(Breakdown("spring,unknown", 0, 0)).Concat(Breakdown("unknown,unknown", 0, 0)).Select(l => l + "\n"));
        Assert.Equal(expected, csv);
    }

    [Fact]
    public void Compute_ZeroDenominators_NoKpiRow()
    {
        string csv = Csv(
            [],
            """{"id":"w","type":"won","ts":"2026-03-02T08:00:00Z","journey":"j","amount":12000,"currency":"USD"}""",
            """{"id":"r","type":"renewal","ts":"2026-03-02T08:01:00Z","journey":"j","amount":12000}""");

        // Only KPIs that divide by won, won + lost or renewal + churn have rows (no spend, no sql, no
        // opportunity, no previous window); revenue counts won only, not renewal.
        Assert.Equal(Lines(
            $"{H8},events.impression,0", $"{H8},events.click,0", $"{H8},events.lead,0", $"{H8},events.mql,0",
            $"{H8},events.sql,0", $"{H8},events.opportunity,0", $"{H8},events.won,1", $"{H8},events.lost,0",
            $"{H8},events.renewal,1", $"{H8},events.expansion,0", $"{H8},events.churn,0", $"{H8},events.spend,0",
            $"{H8},spend,0", $"{H8},revenue,12000", $"{H8},expansion_revenue,0", $"{H8},churned_revenue,0",
            $"{H8},cac,0", $"{H8},cpa.won,0", $"{H8},cpa.renewal,0", $"{H8},closed_win_rate,1", $"{H8},avg_deal_size,12000",
            $"{H8},ltv,12000", $"{H8},cac_payback_months,0", $"{H8},renewal_rate,1"), csv);
    }

    [Fact]
    public void Compute_InvalidLines_Excluded()
    {
        const string ts = "\"ts\":\"2026-03-02T08:00:00Z\"";
        string[] invalid =
        [
            "not json",
            """{"id":"a","type":"click""",
            "[1,2]",
            $$"""{"type":"impression",{{ts}}}""",
            $$"""{"id":"","type":"impression",{{ts}}}""",
            $$"""{"id":"{{new string('x', 129)}}","type":"impression",{{ts}}}""",
            $$"""{"id":1,"type":"impression",{{ts}}}""",
            $$"""{"id":"b","type":"pageview",{{ts}}}""",
            $$"""{"id":"c","type":"impression"}""",
            """{"id":"d","type":"impression","ts":"2026-02-30T08:00:00Z"}""",
            """{"id":"e","type":"impression","ts":"2026-03-02T08:00:00"}""",
            """{"id":"f","type":"impression","ts":"yesterday"}""",
            """{"id":"g","type":"impression","ts":1772438400000.5}""",
            """{"id":"h","type":"impression","ts":"2026-03-02T24:00:00Z"}""",
            """{"id":"i","type":"impression","ts":"2026-03-02T08:00:00+1:00"}""",
            $$"""{"id":"j","type":"lead",{{ts}}}""",
            $$"""{"id":"k","type":"click",{{ts}},"journey":""}""",
            $$"""{"id":"l","type":"click",{{ts}},"cost":-1}""",
            $$"""{"id":"m","type":"click",{{ts}},"cost":"1"}""",
            $$"""{"id":"n","type":"click",{{ts}},"cost":1000000000.5}""",
            $$"""{"id":"o","type":"won",{{ts}},"journey":"j","amount":5,"currency":"EUR"}""",
            $$"""{"id":"p","id":"q","type":"impression",{{ts}}}""",
            $$"""{"id":"r","type":"impression",{{ts}},"campaign":5}""",
            $$"""{"id":"s","type":"impression",{{ts}},"segment":"{{new string('x', 129)}}"}""",
        ];
        string valid = $$"""{"id":"ok","type":"impression",{{ts}},"campaign":"spring","cost":1000000000}""";

        var rows = Compute(["campaign", "segment"], [.. invalid, valid]);
        Assert.Equal(1, Value(rows, "events.impression"));
        Assert.Equal(0, Value(rows, "events.click") + Value(rows, "events.lead") + Value(rows, "events.won"));
        Assert.All(rows, r => Assert.Equal(["spring", "unknown"], r.Dims));

        // A dimension that is not broken down by is not checked: "r" counts without --by campaign.
        Assert.Equal(2, Value(Compute(["segment"], [.. invalid, valid]), "events.impression"));
    }

    [Fact]
    public void Compute_OlderThanMaxAgeBeforeTheNewest_Excluded()
    {
        string[] lines =
        [
            """{"id":"old","type":"impression","ts":"2026-03-01T07:59:59.999Z"}""",
            """{"id":"edge","type":"impression","ts":"2026-03-01T08:00:00Z"}""",
            """{"id":"new","type":"impression","ts":"2026-03-31T08:00:00Z"}""",
        ];
        const long day = 24 * Hour;
        var rows = Compute([], day, FiveMinutes, lines);
        // "old" is 30 days and 1 ms before the newest ts; "edge" exactly 30 days.
        Assert.Equal(1, Value(rows, "events.impression", "2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z"));
        Assert.Equal(1, Value(rows, "events.impression", "2026-03-31T00:00:00.000Z,2026-04-01T00:00:00.000Z"));

        var wider = SqliteReference.Compute(Write(lines), day, [], FiveMinutes, maxAge: TimeSpan.FromDays(31));
        Assert.Equal(2, Value(wider, "events.impression", "2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z"));
    }

    [Fact]
    public void Compute_TimestampForms_EpochMsOffsetsFractionsAndLeapSecond()
    {
        var rows = Compute(
            [], 60_000, FiveMinutes,
            """{"id":"1","type":"impression","ts":"2026-03-02t08:00:30.5z"}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T09:00:59.9999+01:00"}""",
            """{"id":"3","type":"impression","ts":1772438460000}""",
            """{"id":"4","type":"impression","ts":"2026-03-02 08:01:30Z"}""",
            """{"id":"5","type":"impression","ts":"2026-03-02T03:01:60-05:00"}""",
            """{"id":"6","type":"impression","ts":"2026-03-02T08:02:00.000Z"}""");

        // 2 is 08:00:59.999Z (fraction truncated); 3 is 08:01:00Z; 5 is 08:01:59.999Z.
        Assert.Equal(2, Value(rows, "events.impression", "2026-03-02T08:00:00.000Z,2026-03-02T08:01:00.000Z"));
        Assert.Equal(3, Value(rows, "events.impression", "2026-03-02T08:01:00.000Z,2026-03-02T08:02:00.000Z"));
        Assert.Equal(1, Value(rows, "events.impression", "2026-03-02T08:02:00.000Z,2026-03-02T08:03:00.000Z"));
    }

    [Fact]
    public void Compute_Money_ExactMicroUnitsRoundedHalfAwayFromZero()
    {
        var rows = Compute(
            [],
            """{"id":"1","type":"impression","ts":"2026-03-02T08:00:00Z","cost":0.1}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:00:01Z","cost":0.2}""",
            """{"id":"3","type":"impression","ts":"2026-03-02T08:00:02Z","cost":0.0000005}""",
            """{"id":"4","type":"impression","ts":"2026-03-02T08:00:03Z","cost":0.00000049999}""",
            """{"id":"5","type":"impression","ts":"2026-03-02T08:00:04Z","cost":1e2}""",
            """{"id":"6","type":"impression","ts":"2026-03-02T08:00:05Z","cost":2.5E-1}""",
            """{"id":"7","type":"impression","ts":"2026-03-02T08:00:06Z","cost":12.3456789}""",
            """{"id":"8","type":"won","ts":"2026-03-02T08:00:07Z","journey":"j","amount":0.1}""",
            """{"id":"9","type":"won","ts":"2026-03-02T08:00:08Z","journey":"j","amount":0.2}""");

        // 0.1 + 0.2 + 0.000001 + 0 + 100 + 0.25 + 12.345679
        Assert.Equal(112.895680m, Value(rows, "spend"));
        Assert.Equal("112.89568", Row(rows, "spend").ValueText);
        Assert.Equal(0.3m, Value(rows, "revenue"));
        Assert.Equal(ReferenceValueKind.Money, Row(rows, "revenue").Kind);
    }

    [Fact]
    public void Compute_MoneyRatios_BitIdenticalToTheDocumentedDoubleOperations()
    {
        var rows = Compute(
            [],
            """{"id":"1","type":"impression","ts":"2026-03-02T08:00:00Z","cost":0.1}""",
            """{"id":"2","type":"impression","ts":"2026-03-02T08:00:01Z","cost":0.2}""",
            """{"id":"3","type":"impression","ts":"2026-03-02T08:00:02Z"}""",
            """{"id":"4","type":"click","ts":"2026-03-02T08:00:03Z","journey":"a"}""",
            """{"id":"5","type":"click","ts":"2026-03-02T08:00:04Z","journey":"b"}""",
            """{"id":"6","type":"click","ts":"2026-03-02T08:00:05Z","journey":"c"}""",
            """{"id":"7","type":"lead","ts":"2026-03-02T08:00:06Z","journey":"c"}""");

        long spendMicros = 300_000;
        Assert.Equal(spendMicros / 1e6 / 3 * 1000, Row(rows, "cpm").Real); // 99.99999999999999, not 100
        Assert.Equal(spendMicros / 1e6 / 3, Row(rows, "cpc").Real);
        Assert.Equal(spendMicros / 1e6 / 1, Row(rows, "cpl").Real);
        Assert.Equal((double)3 / 3, Row(rows, "ctr").Real);
        Assert.Equal((double)1 / 3, Row(rows, "conversion.click.lead").Real);
        Assert.Equal((spendMicros / 1e6 / 3).ToString("R", CultureInfo.InvariantCulture), Row(rows, "cpc").ValueText);
        Assert.All(rows.Where(r => r.Metric is "ctr" or "cpm" or "cpc" or "cpl" or "cac" || r.Metric.StartsWith("conversion.", StringComparison.Ordinal)),
            r => Assert.Equal(ReferenceValueKind.Ratio, r.Kind));
    }

    [Fact]
    public void Compute_NothingValid_NoRows()
    {
        Assert.Empty(Compute([], "not json", "", """{"id":"x"}"""));
    }

    [Fact]
    public void Compute_UnknownDimension_ArgumentException()
    {
        string path = Write(["""{"id":"1","type":"impression","ts":"2026-03-02T08:00:00Z"}"""]);
        Assert.Throws<ArgumentException>(() => SqliteReference.Compute(path, Hour, ["region"], FiveMinutes));
        Assert.Throws<ArgumentException>(() => SqliteReference.Compute(path, Hour, ["campaign", "campaign"], FiveMinutes));
    }

    [Fact]
    public void FindOnPath_Missing_ClearMessageWithInstallHint()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SqliteReference.FindOnPath("sqlite3", _dir));
        Assert.Contains("'sqlite3' was not found on PATH", e.Message);
        Assert.Contains("apt-get install sqlite3", e.Message);
    }

    [Fact]
    public void Sqlite3Path_OnThisMachine_Found()
    {
        Assert.True(File.Exists(SqliteReference.Sqlite3Path));
    }

    [Fact]
    public void Metrics_DocumentedOrder()
    {
        Assert.Equal(
            [
                "events.impression", "events.click", "events.lead", "events.mql", "events.sql", "events.opportunity",
                "events.won", "events.lost", "events.renewal", "events.expansion", "events.churn", "events.spend",
                "spend", "revenue", "expansion_revenue", "churned_revenue", "ctr", "cpm", "cpc", "cpl", "cac",
                "conversion.impression.click", "conversion.click.lead", "conversion.lead.mql", "conversion.mql.sql",
                "conversion.sql.opportunity", "conversion.opportunity.won", "conversion.click.mql", "conversion.sql.won",
                "traffic_to_lead",
                "cpa.impression", "cpa.click", "cpa.lead", "cpa.mql", "cpa.sql", "cpa.opportunity", "cpa.won",
                "cpa.lost", "cpa.renewal", "cpa.expansion", "cpa.churn",
                "win_rate", "closed_win_rate", "avg_deal_size", "mroi", "ltv", "ltv_cac", "cac_payback_months",
                "sales_velocity_per_day", "revenue_change", "deals_change", "renewal_rate", "nrr",
            ],
            SqliteReference.Metrics);
    }

    [Fact]
    public void Compute_GeneratedTrafficWithImperfections_CountsExactlyTheValidOnTimeRecords()
    {
        var options = new TrafficOptions
        {
            Seed = 11,
            Duration = TimeSpan.FromHours(3),
            EventsPerSecond = 20,
            StageDelayScale = 0.001,
            SpendReportInterval = TimeSpan.FromHours(1),
            DuplicateRate = 0.02,
            OutOfOrderJitter = TimeSpan.FromSeconds(20),
            LateRate = 0.005,
            BadRecordRate = 0.01,
            NumericTimestampRate = 0.1,
        };
        var records = new TrafficGenerator(options).Generate().ToList();
        string path = Path.Combine(_dir, "generated.jsonl");
        JsonLinesWriter.WriteFile(records, path);

        var rows = SqliteReference.Compute(path, Hour, ["campaign", "channel", "source", "segment"], FiveMinutes);

        // Duplicates, late records (dense traffic: far behind the watermark) and bad records are all excluded.
        var valid = records.Where(r => r.Kind == RecordKind.Valid).ToList();
        Assert.Equal(valid.Count, rows.Where(r => r.Metric.StartsWith("events.", StringComparison.Ordinal)).Sum(r => (long)r.Exact));
        decimal cost = valid.Sum(r => GeneratedCost(r.Value));
        Assert.Equal(cost, rows.Where(r => r.Metric == "spend").Sum(r => r.Exact));
        Assert.Equal(3, rows.Select(r => r.WindowStart).Distinct().Count());
        Assert.Contains(rows, r => r.Metric == "conversion.opportunity.won");
    }

    private static decimal GeneratedCost(byte[] value)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(value);
        return doc.RootElement.TryGetProperty("cost", out var c) ? c.GetDecimal() : 0;
    }

    private string Write(IEnumerable<string> lines)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")), new UTF8Encoding(false));
        return path;
    }

    private IReadOnlyList<ReferenceRow> Compute(string[] by, params string[] lines) => Compute(by, Hour, FiveMinutes, lines);

    private IReadOnlyList<ReferenceRow> Compute(string[] by, TimeSpan lateness, params string[] lines) => Compute(by, Hour, lateness, lines);

    private IReadOnlyList<ReferenceRow> Compute(string[] by, long windowMs, TimeSpan lateness, params string[] lines) =>
        SqliteReference.Compute(Write(lines), windowMs, by, lateness);

    private string Csv(string[] by, params string[] lines) => SqliteReference.ToCsv(Compute(by, lines), by);

    /// <summary>Replay CSV without breakdown columns.</summary>
    private static string Lines(params string[] rows) => "window_start,window_end,metric,value\n" + string.Concat(rows.Select(r => r + "\n"));

    private static ReferenceRow Row(IReadOnlyList<ReferenceRow> rows, string metric) => Assert.Single(rows, r => r.Metric == metric);

    /// <summary>The exact value of <paramref name="metric"/> summed over windows and breakdowns (optionally of one window, "start,end").</summary>
    private static decimal Value(IReadOnlyList<ReferenceRow> rows, string metric, string? window = null) =>
        rows.Where(r => r.Metric == metric && (window is null || $"{ReferenceRow.FormatTime(r.WindowStart)},{ReferenceRow.FormatTime(r.WindowEnd)}" == window))
            .Sum(r => r.Exact);
}
