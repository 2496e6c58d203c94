using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Generator;
using FunnelStream.Outputs.Replay;
using FunnelStream.Tests.Reference;

namespace FunnelStream.Tests.Replay;

/// <summary>
/// `replay` with spend restatements on against the sqlite3 reference (latest applied figure per campaign,
/// channel and UTC day), over generated traffic that reports spend every minute across a UTC midnight, so
/// that restatements are applied (early in a day) and rejected as late (once the day's first report is
/// beyond the allowed lateness).
/// </summary>
public sealed class ReplaySpendRestatementsMatchSqliteTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 23, 40, 0, TimeSpan.Zero);
    private static readonly KpiOptions Kpis = new() { GrossMargin = 0.75, ExpectedPurchases = 2.5, ContractMonths = 12, NrrBaseMicros = 250_000_000_000 };
    private static readonly ReferenceKpiSettings ReferenceKpis = new(0.75, 2.5, 12, 250_000_000_000, MeanSalesCycleDays: 21.5);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"funnelstream-restate-{Guid.NewGuid():N}.jsonl");

    public ReplaySpendRestatementsMatchSqliteTests()
    {
        var options = new TrafficOptions
        {
            Seed = 7,
            Start = Start,
            Duration = TimeSpan.FromMinutes(40),
            EventsPerSecond = 2,
            SpendReportInterval = TimeSpan.FromMinutes(1),
            DuplicateRate = 0.03,
            OutOfOrderJitter = TimeSpan.FromMinutes(3),
            LateRate = 0.01,
            BadRecordRate = 0.01,
        };
        JsonLinesWriter.WriteFile(new TrafficGenerator(options).Generate(), _path);
    }

    [Theory]
    [InlineData("10m", "campaign,channel")]
    [InlineData("1h", "channel,campaign,source")]
    public void Replay_RestatementsOn_EqualsSqlExactly(string window, string by)
    {
        string[] dims = by.Split(',');
        TimeSpan size = window == "10m" ? TimeSpan.FromMinutes(10) : TimeSpan.FromHours(1);

        (string actual, _) = Replay(size, dims, restatements: true);
        string expected = SqliteReference.ToCsv(
            SqliteReference.Compute(_path, (long)size.TotalMilliseconds, dims, TimeSpan.FromMinutes(5), kpis: ReferenceKpis, spendRestatements: true), dims);

        string[] actualLines = actual.Split('\n');
        string[] expectedLines = expected.Split('\n');
        Assert.True(expectedLines.Length > 100, $"the reference produced only {expectedLines.Length} lines");
        for (int i = 0; i < Math.Min(actualLines.Length, expectedLines.Length); i++)
            Assert.True(expectedLines[i] == actualLines[i], $"line {i + 1} differs:\n  sql:    {expectedLines[i]}\n  replay: {actualLines[i]}");
        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    [Fact]
    public void Replay_GeneratedTraffic_HasAppliedAndLateRestatements()
    {
        // The comparison above is only as strong as its input: restatements are both applied and rejected.
        string[] dims = ["campaign", "channel"];
        (string off, ReplaySummary offSummary) = Replay(TimeSpan.FromMinutes(10), dims, restatements: false);
        (string on, ReplaySummary onSummary) = Replay(TimeSpan.FromMinutes(10), dims, restatements: true);
        long lateOff = offSummary.Rejected.GetValueOrDefault(RejectReason.Late);
        long lateOn = onSummary.Rejected.GetValueOrDefault(RejectReason.Late);
        Assert.True(lateOn - lateOff > 20, $"restatements rejected as late: {lateOn - lateOff}");
        // Applied ones: the first 10 minutes after midnight count fewer spend events than reports were counted without restatements.
        Assert.True(onSummary.Counted + (lateOn - lateOff) == offSummary.Counted, "every report is either counted (applied) or late");
        string FirstWindowSpendEvents(string csv) => string.Join('\n', csv.Split('\n')
            .Where(l => l.StartsWith("2026-03-03T00:00:00.000Z", StringComparison.Ordinal) && l.Contains(",events.spend,", StringComparison.Ordinal)));
        Assert.NotEqual(FirstWindowSpendEvents(off), FirstWindowSpendEvents(on));
    }

    private (string Csv, ReplaySummary Summary) Replay(TimeSpan size, string[] dims, bool restatements)
    {
        var output = new StringWriter();
        ReplaySummary summary;
        using (FileStream input = File.OpenRead(_path))
        {
            summary = ReplayRunner.Run(input, output, new ReplayOptions
            {
                Window = size, By = dims, Now = Start.AddDays(2), MaxValuesPerDimension = 65_000,
                Kpis = Kpis, SalesCycle = new FixedSalesCycle(21.5), SpendRestatements = restatements,
            });
        }
        return (output.ToString(), summary);
    }

    public void Dispose() => File.Delete(_path);
}
