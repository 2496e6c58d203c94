using FunnelStream.Engine.Journeys;
using FunnelStream.Events;
using FunnelStream.Generator;

namespace FunnelStream.Tests.Journeys;

/// <summary>
/// <see cref="JourneyStore"/> fed from a generated JSON Lines file against <see cref="JourneySqlReference"/>
/// over the same file: every cohort's entered, converted and mature flag, every time-to-convert and the
/// sales-cycle histogram, exactly.
/// </summary>
public sealed class JourneyStoreMatchesSqlTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"funnelstream-journeys-{Guid.NewGuid():N}.jsonl");

    public JourneyStoreMatchesSqlTests()
    {
        // Valid records only, in event-time order; rates raised so the bottom of the funnel is populated,
        // delays scaled so some conversions fall inside a one-hour window and some outside.
        var options = new TrafficOptions
        {
            Seed = 11,
            Start = Start,
            Duration = TimeSpan.FromDays(2),
            EventsPerSecond = 1,
            ClickThroughRate = 0.3,
            ClickToLeadRate = 0.5,
            LeadToMqlRate = 0.6,
            MqlToSqlRate = 0.5,
            SqlToOpportunityRate = 0.6,
            OpportunityToWonRate = 0.5,
            StageDelayScale = 0.1,
            NumericTimestampRate = 0.2,
        };
        JsonLinesWriter.WriteFile(new TrafficGenerator(options).Generate(), _path);
    }

    [Theory]
    [InlineData(30 * 24, 24, true)]
    [InlineData(1, 1, false)]
    public void Store_GeneratedTraffic_EqualsSql(int windowHours, int cohortHours, bool compareSalesCycle)
    {
        var options = new JourneyOptions
        {
            ConversionWindow = TimeSpan.FromHours(windowHours),
            CohortSize = TimeSpan.FromHours(cohortHours),
        };
        JourneySnapshot actual = Replay(options);
        JourneySqlReference.Result expected = JourneySqlReference.Compute(
            _path, options.ConversionWindow, options.CohortSize, options.AllowedLateness,
            options.TimeToConvertBucketsSeconds, options.SalesCycleBucketsSeconds);

        var actualCohorts = actual.Transitions
            .SelectMany(t => t.Cohorts.Select(c => new JourneySqlReference.Cohort(t.FromStage, c.StartMs, c.Entered, c.Converted, c.Mature)))
            .ToArray();
        Assert.True(expected.Cohorts.Count >= 10, $"the reference produced only {expected.Cohorts.Count} cohorts");
        Assert.Equal(expected.Cohorts, actualCohorts);
        for (int p = 0; p < actual.Transitions.Count; p++)
            AssertSame(expected.TimeToConvert[p], actual.Transitions[p].TimeToConvert, $"time to convert, pair {p}");
        Assert.True(expected.TimeToConvert.Sum(h => h.Count) > 1000, "too few conversions to compare");
        if (compareSalesCycle)
        {
            // With a one-hour window, journeys expire between lead and won; the reference does not model that.
            AssertSame(expected.SalesCycle, actual.SalesCycle, "sales cycle");
            Assert.True(expected.SalesCycle.Count > 20, $"only {expected.SalesCycle.Count} sales cycles");
        }
        Assert.Contains(actual.Transitions.SelectMany(t => t.Cohorts), c => c.Converted < c.Entered);
    }

    private JourneySnapshot Replay(JourneyOptions options)
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        var interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 10_000)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions(), interners);
        long end = (Start + TimeSpan.FromDays(3)).ToUnixTimeMilliseconds();
        parser.SetClock(end, end);
        var store = new JourneyStore(funnel, options);
        var seen = new HashSet<ulong>();
        long watermark = long.MinValue;
        foreach (string line in File.ReadLines(_path))
        {
            Assert.Equal(RejectReason.None, parser.Parse(System.Text.Encoding.UTF8.GetBytes(line), out FunnelEvent evt));
            if (!seen.Add(evt.IdHash))
                continue;
            store.Observe(evt.JourneyHash, evt.Stage, evt.TimestampMs);
            watermark = Math.Max(watermark, evt.TimestampMs);
            store.Expire(watermark);
        }
        store.PublishSnapshot(watermark, endOfInput: true);
        return store.Snapshot;
    }

    private static void AssertSame(JourneySqlReference.Histogram expected, HistogramSnapshot actual, string what)
    {
        Assert.True(expected.Cumulative.SequenceEqual(actual.CumulativeCounts),
            $"{what}: buckets differ\n  sql:   {string.Join(",", expected.Cumulative)}\n  store: {string.Join(",", actual.CumulativeCounts)}");
        Assert.Equal((expected.SumSeconds, expected.Count), (actual.SumSeconds, actual.Count));
    }

    public void Dispose() => File.Delete(_path);
}
