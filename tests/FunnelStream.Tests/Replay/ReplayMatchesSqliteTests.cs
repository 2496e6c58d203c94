using System.Text;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Generator;
using FunnelStream.Outputs.Replay;
using FunnelStream.Tests.Reference;

namespace FunnelStream.Tests.Replay;

/// <summary>
/// `replay` against an independent SQL computation (sqlite3) of the same windows, row for row and
/// byte for byte, over generated traffic with several campaigns and channels, duplicates,
/// out-of-order and late arrivals and malformed records.
/// </summary>
public sealed class ReplayMatchesSqliteTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    // Binary-exact constants, so that sqlite3 reads its literals as the same doubles.
    private static readonly KpiOptions Kpis = new() { GrossMargin = 0.75, ExpectedPurchases = 2.5, ContractMonths = 12, NrrBaseMicros = 250_000_000_000 };
    private static readonly ReferenceKpiSettings ReferenceKpis = new(0.75, 2.5, 12, 250_000_000_000, MeanSalesCycleDays: 21.5);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"funnelstream-replay-{Guid.NewGuid():N}.jsonl");

    public ReplayMatchesSqliteTests()
    {
        var options = new TrafficOptions
        {
            Seed = 42,
            Start = Start,
            Duration = TimeSpan.FromHours(6),
            EventsPerSecond = 2,
            // Fast, leaky-free journeys, so that won, lost, expansion, renewal and churn occur in every
            // campaign often enough for every KPI of the catalog to have rows.
            StageDelayScale = 0.0002,
            ClickThroughRate = 0.2,
            ClickToLeadRate = 0.4,
            LeadToMqlRate = 0.6,
            MqlToSqlRate = 0.5,
            SqlToOpportunityRate = 0.7,
            OpportunityToWonRate = 0.5,
            ExpansionRate = 0.5,
            RenewalRate = 0.6,
            SpendReportInterval = TimeSpan.FromHours(1),
            DuplicateRate = 0.03,
            OutOfOrderJitter = TimeSpan.FromMinutes(3),
            LateRate = 0.01,
            BadRecordRate = 0.01,
            NumericTimestampRate = 0.1,
        };
        JsonLinesWriter.WriteFile(new TrafficGenerator(options).Generate(), _path);
    }

    [Theory]
    [InlineData("1h", "")]
    [InlineData("1h", "campaign,channel")]
    [InlineData("1m", "campaign")]
    [InlineData("1d", "channel,source,segment")]
    public void Replay_GeneratedTraffic_EqualsSqlExactly(string window, string by)
    {
        string[] dims = by.Split(',', StringSplitOptions.RemoveEmptyEntries);
        TimeSpan size = window switch { "1m" => TimeSpan.FromMinutes(1), "1h" => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1) };

        string actual = Replay(size, dims);
        string expected = SqliteReference.ToCsv(SqliteReference.Compute(_path, (long)size.TotalMilliseconds, dims, TimeSpan.FromMinutes(5), kpis: ReferenceKpis), dims);

        string[] actualLines = actual.Split('\n');
        string[] expectedLines = expected.Split('\n');
        Assert.True(expectedLines.Length > 100, $"the reference produced only {expectedLines.Length} lines");
        for (int i = 0; i < Math.Min(actualLines.Length, expectedLines.Length); i++)
            Assert.True(expectedLines[i] == actualLines[i], $"line {i + 1} differs:\n  sql:    {expectedLines[i]}\n  replay: {actualLines[i]}");
        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    [Theory]
    [InlineData("1h", "")]
    [InlineData("1h", "campaign,channel")]
    [InlineData("1m", "campaign")]
    public void Replay_JourneysOn_SalesVelocityFromJourneysEqualsSqlExactly(string window, string by)
    {
        string[] dims = by.Split(',', StringSplitOptions.RemoveEmptyEntries);
        TimeSpan size = window == "1m" ? TimeSpan.FromMinutes(1) : TimeSpan.FromHours(1);

        string actual = Replay(size, dims, new JourneyOptions());
        string expected = SqliteReference.ToCsv(
            SqliteReference.Compute(_path, (long)size.TotalMilliseconds, dims, TimeSpan.FromMinutes(5), kpis: ReferenceKpis with { SalesCycleFromJourneys = true }), dims);

        // Journey rows follow the window rows; the window rows must equal the reference line for line.
        string[] actualLines = actual.Split('\n').Where(l => !l.Contains(",journey.", StringComparison.Ordinal)).ToArray();
        string[] expectedLines = expected.Split('\n');
        int velocityRows = expectedLines.Count(l => l.Contains(",sales_velocity_per_day,", StringComparison.Ordinal));
        Assert.True(velocityRows >= 5, $"the reference has only {velocityRows} sales velocity rows");
        for (int i = 0; i < Math.Min(actualLines.Length, expectedLines.Length); i++)
            Assert.True(expectedLines[i] == actualLines[i], $"line {i + 1} differs:\n  sql:    {expectedLines[i]}\n  replay: {actualLines[i]}");
        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    [Fact]
    public void Replay_GeneratedTraffic_EveryCatalogKpiHasRows()
    {
        // The exact comparison covers a KPI only where it has rows: check that every one of them does.
        string csv = Replay(TimeSpan.FromHours(1), []) + Replay(TimeSpan.FromHours(1), ["campaign", "channel"]);
        HashSet<string> metrics = [.. csv.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("window_start", StringComparison.Ordinal)).Select(l => l.Split(',')[^2])];
        Assert.All(SqliteReference.Metrics, m => Assert.Contains(m, metrics));
        Assert.Contains(",revenue_change,-", csv); // both directions of period-over-period change
        Assert.Matches(",revenue_change,[0-9]", csv);
    }

    [Fact]
    public void Replay_GeneratedTraffic_HasEveryImperfection()
    {
        // The comparison above is only as strong as its input: check the input exercises every rule.
        var output = new StringWriter();
        ReplaySummary summary;
        using (FileStream input = File.OpenRead(_path))
            summary = ReplayRunner.Run(input, output, new ReplayOptions { Now = Start.AddDays(2) });
        Assert.True(summary.Duplicates > 10, $"duplicates: {summary.Duplicates}");
        Assert.True(summary.Rejected.GetValueOrDefault(RejectReason.Late) > 10, "late events");
        Assert.True(summary.Rejected.Where(r => r.Key != RejectReason.Late).Sum(r => r.Value) > 10, "malformed records");
        Assert.True(summary.Counted > 10_000, $"counted: {summary.Counted}");
    }

    private string Replay(TimeSpan size, string[] dims, JourneyOptions? journeys = null)
    {
        var output = new StringWriter();
        using (FileStream input = File.OpenRead(_path))
        {
            ReplayRunner.Run(input, output, new ReplayOptions
            {
                Window = size, By = dims, Now = Start.AddDays(2), MaxValuesPerDimension = 65_000,
                Kpis = Kpis, SalesCycle = journeys is null ? new FixedSalesCycle(21.5) : null, Journeys = journeys,
            });
        }
        return output.ToString();
    }

    public void Dispose() => File.Delete(_path);
}
