using System.Text;
using FunnelStream.Engine.Kpis;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.Tests.Replay;

/// <summary>The KPIs of replay that need more than one window's counts: configuration, the previous window, the sales cycle.</summary>
public class ReplayKpiTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

    // Won revenue: 08:00 window 10,000 (1 deal); 09:00 window 15,000 (2 deals); 10:00 nothing; 11:00 5,000 (1 deal).
    private const string Deals = """
        {"id":"w1","type":"won","ts":"2026-03-02T08:10:00Z","journey":"a","amount":10000,"campaign":"spring"}
        {"id":"w2","type":"won","ts":"2026-03-02T09:10:00Z","journey":"b","amount":5000,"campaign":"spring"}
        {"id":"w3","type":"won","ts":"2026-03-02T09:20:00Z","journey":"c","amount":10000,"campaign":"spring"}
        {"id":"w4","type":"won","ts":"2026-03-02T09:30:00Z","journey":"d","amount":7000,"campaign":"brand"}
        {"id":"s1","type":"spend","ts":"2026-03-02T10:30:00Z","cost":100,"campaign":"spring"}
        {"id":"w5","type":"won","ts":"2026-03-02T11:10:00Z","journey":"e","amount":5000,"campaign":"spring"}
        """;

    private static string[] Replay(string jsonl, ReplayOptions options)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        using var output = new StringWriter();
        ReplayRunner.Run(input, output, options);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string? Value(string[] lines, string prefix, string metric) =>
        lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Split(',')[^2] == metric).Select(l => l.Split(',')[^1]).SingleOrDefault();

    [Fact]
    public void Run_PeriodOverPeriod_AgainstTheWindowJustBeforeInTheSameBreakdown()
    {
        string[] lines = Replay(Deals, new ReplayOptions { Now = Now, By = ["campaign"] });
        const string Spring9 = "2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z,spring,";
        Assert.Equal("0.5", Value(lines, Spring9, "revenue_change")); // (15,000 - 10,000) / 10,000
        Assert.Equal("1", Value(lines, Spring9, "deals_change"));      // (2 - 1) / 1
        // brand has no 08:00 window: no value, not infinity.
        Assert.Null(Value(lines, "2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z,brand,", "revenue_change"));
        // spring's 10:00 window (spend only) follows 09:00: revenue fell by 100 %.
        Assert.Equal("-1", Value(lines, "2026-03-02T10:00:00.000Z,2026-03-02T11:00:00.000Z,spring,", "revenue_change"));
        // 11:00 follows a window without revenue: no value.
        Assert.Null(Value(lines, "2026-03-02T11:00:00.000Z,2026-03-02T12:00:00.000Z,spring,", "revenue_change"));
    }

    [Fact]
    public void Run_WindowAfterAGap_PreviousWindowIsZerosNotTheLastOneSeen()
    {
        string[] lines = Replay(Deals.Replace("""{"id":"s1","type":"spend","ts":"2026-03-02T10:30:00Z","cost":100,"campaign":"spring"}""", ""),
            new ReplayOptions { Now = Now });
        Assert.DoesNotContain(lines, l => l.StartsWith("2026-03-02T10:", StringComparison.Ordinal));
        Assert.Null(Value(lines, "2026-03-02T11:00:00.000Z,", "revenue_change"));
        Assert.Equal("1.2", Value(lines, "2026-03-02T09:00:00.000Z,", "revenue_change")); // (22,000 - 10,000) / 10,000
    }

    [Fact]
    public void Run_ConfiguredKpis_UsedByTheFormulas()
    {
        const string Events = """
            {"id":"s","type":"spend","ts":"2026-03-02T08:00:00Z","cost":600}
            {"id":"w","type":"won","ts":"2026-03-02T08:10:00Z","journey":"a","amount":2500}
            {"id":"e","type":"expansion","ts":"2026-03-02T08:20:00Z","journey":"b","amount":300}
            {"id":"c","type":"churn","ts":"2026-03-02T08:30:00Z","journey":"c","amount":100}
            """;
        string[] lines = Replay(Events, new ReplayOptions
        {
            Now = Now,
            Kpis = new KpiOptions { GrossMargin = 0.8, ExpectedPurchases = 2, NrrBaseMicros = 1_000_000_000 },
        });
        Assert.Equal(2.33, Math.Round(double.Parse(Value(lines, "", "mroi")!, System.Globalization.CultureInfo.InvariantCulture), 2));
        Assert.Equal("4000", Value(lines, "", "ltv"));     // 2,500 * 0.8 * 2
        Assert.Equal("300", Value(lines, "", "expansion_revenue"));
        Assert.Equal("100", Value(lines, "", "churned_revenue"));
        Assert.Equal("1.2", Value(lines, "", "nrr"));      // (1,000 + 300 - 100) / 1,000
        Assert.Equal("0", Value(lines, "", "renewal_rate")); // 0 renewals of 1 renewal-or-churn
    }

    [Fact]
    public void Run_SalesCycleSource_AskedPerWindowAndBreakdown()
    {
        const string Events = """
            {"id":"q","type":"sql","ts":"2026-03-02T08:00:00Z","journey":"a","campaign":"spring"}
            {"id":"o","type":"opportunity","ts":"2026-03-02T08:05:00Z","journey":"a","campaign":"spring"}
            {"id":"w","type":"won","ts":"2026-03-02T08:10:00Z","journey":"a","amount":3000,"campaign":"spring"}
            """;
        var cycle = new FixedSalesCycle(15);
        string[] lines = Replay(Events, new ReplayOptions { Now = Now, By = ["campaign"], SalesCycle = cycle });
        Assert.Equal("200", Value(lines, "", "sales_velocity_per_day")); // 1 * 3,000 * 1 / 15
        var start = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal([(start, start + 3_600_000, "spring")], cycle.Calls);

        string[] without = Replay(Events, new ReplayOptions { Now = Now, By = ["campaign"] });
        Assert.Null(Value(without, "", "sales_velocity_per_day"));
    }
}
