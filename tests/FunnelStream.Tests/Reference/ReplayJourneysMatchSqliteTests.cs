using System.Globalization;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;
using FunnelStream.Generator;
using FunnelStream.Outputs.Replay;
using FunnelStream.Tests.Journeys;

namespace FunnelStream.Tests.Reference;

/// <summary>
/// The journey rows of `replay` (conversion per entry cohort with its mature flag, time-to-convert and
/// sales-cycle histograms) against the independent SQL computation of <see cref="JourneySqlReference"/>
/// (self-joins of first times on journey, in sqlite3), exactly, over generated traffic with duplicates
/// and out-of-order arrival.
/// </summary>
public sealed class ReplayJourneysMatchSqliteTests(ReplayJourneysMatchSqliteTests.Traffic traffic) : IClassFixture<ReplayJourneysMatchSqliteTests.Traffic>
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Ordered = ["impression", "click", "lead", "mql", "sql", "opportunity", "won"];
    private readonly string _path = traffic.Path;

    /// <summary>The generated input, written once for every case.</summary>
    public sealed class Traffic : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"funnelstream-replay-journeys-{Guid.NewGuid():N}.jsonl");

        public Traffic()
        {
            // Valid records only (the reference reads every line as an event), but duplicated and out of
            // order within the allowed lateness; rates raised and delays scaled so the bottom of the funnel
            // is populated and some conversions fall inside a one-hour window, some outside.
            var options = new TrafficOptions
            {
                Seed = 23,
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
                DuplicateRate = 0.03,
                OutOfOrderJitter = TimeSpan.FromMinutes(2),
                NumericTimestampRate = 0.2,
            };
            JsonLinesWriter.WriteFile(new TrafficGenerator(options).Generate(), Path);
        }

        public void Dispose() => File.Delete(Path);
    }

    [Theory]
    [InlineData(30 * 24, 24, "", true)]
    [InlineData(30 * 24, 24, "campaign,channel", true)]
    [InlineData(1, 1, "", false)]
    public void Replay_GeneratedTraffic_JourneyRowsEqualSql(int windowHours, int cohortHours, string by, bool compareSalesCycle)
    {
        var journeys = new JourneyOptions { ConversionWindow = TimeSpan.FromHours(windowHours), CohortSize = TimeSpan.FromHours(cohortHours) };
        string[] dims = by.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var output = new StringWriter();
        ReplaySummary summary;
        using (FileStream input = File.OpenRead(_path))
            summary = ReplayRunner.Run(input, output, new ReplayOptions { By = dims, Now = Start.AddDays(3), Journeys = journeys });
        // The comparison is only as strong as its input: duplicates were dropped, and disorder made nothing late.
        Assert.True(summary.Duplicates > 100, $"duplicates: {summary.Duplicates}");
        Assert.Empty(summary.Rejected);

        Parsed actual = Parse(output.ToString(), dims.Length);
        JourneySqlReference.Result expected = JourneySqlReference.Compute(
            _path, journeys.ConversionWindow, journeys.CohortSize, journeys.AllowedLateness,
            journeys.TimeToConvertBucketsSeconds, journeys.SalesCycleBucketsSeconds);

        Assert.True(expected.Cohorts.Count >= 10, $"the reference produced only {expected.Cohorts.Count} cohorts");
        Assert.Equal(expected.Cohorts, actual.Cohorts);
        for (int p = 0; p < Ordered.Length - 1; p++)
        {
            Assert.Equal(expected.TimeToConvert[p].Cumulative, actual.TimeToConvert[p].Cumulative);
            Assert.Equal((expected.TimeToConvert[p].SumSeconds, expected.TimeToConvert[p].Count), (actual.TimeToConvert[p].SumSeconds, actual.TimeToConvert[p].Count));
        }
        Assert.True(expected.TimeToConvert.Sum(h => h.Count) > 1000, "too few conversions to compare");
        if (compareSalesCycle)
        {
            // With a one-hour window journeys expire between lead and won; the reference does not model that.
            Assert.Equal(expected.SalesCycle.Cumulative, actual.SalesCycle.Cumulative);
            Assert.Equal((expected.SalesCycle.SumSeconds, expected.SalesCycle.Count), (actual.SalesCycle.SumSeconds, actual.SalesCycle.Count));
            Assert.True(expected.SalesCycle.Count > 20, $"only {expected.SalesCycle.Count} sales cycles");
        }
        Assert.Contains(actual.Cohorts, c => c.Converted < c.Entered);
        if (windowHours == 1)
        {
            // Both kinds of cohort are visible, flagged.
            Assert.Contains(actual.Cohorts, c => c.Mature);
            Assert.Contains(actual.Cohorts, c => !c.Mature);
        }
    }

    private sealed record Parsed(List<JourneySqlReference.Cohort> Cohorts, JourneySqlReference.Histogram[] TimeToConvert, JourneySqlReference.Histogram SalesCycle);

    /// <summary>Reads the journey rows of replay CSV (window rows are skipped) into the reference's shapes.</summary>
    private static Parsed Parse(string csv, int dimensions)
    {
        var cohorts = new Dictionary<(int Pair, long StartMs), (long Entered, long Converted, bool Mature, double Rate)>();
        var histograms = new Dictionary<string, (List<long> Cumulative, long Sum, long Count)>();
        foreach (string line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            string[] f = line.Split(',');
            string metric = f[2 + dimensions];
            if (!metric.StartsWith("journey.", StringComparison.Ordinal))
                continue;
            long value = metric.StartsWith("journey.conversion.", StringComparison.Ordinal) ? 0 : long.Parse(f[3 + dimensions], CultureInfo.InvariantCulture);
            // Journeys span breakdowns: every --by column is empty.
            Assert.All(f.Skip(2).Take(dimensions), v => Assert.Equal("", v));
            string[] m = metric.Split('.');
            if (m[1] is "entered" or "converted" or "mature" or "conversion")
            {
                var key = (Array.IndexOf(Ordered, m[2]), DateTimeOffset.Parse(f[0], CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
                Assert.Equal(key.Item1 + 1, Array.IndexOf(Ordered, m[3]));
                var c = cohorts.GetValueOrDefault(key);
                cohorts[key] = m[1] switch
                {
                    "entered" => c with { Entered = value },
                    "converted" => c with { Converted = value },
                    "mature" => c with { Mature = value == 1 },
                    _ => c with { Rate = double.Parse(f[3 + dimensions], CultureInfo.InvariantCulture) },
                };
                continue;
            }
            if (m[1] is "time_to_convert" or "sales_cycle")
            {
                string name = m[1] == "sales_cycle" ? "cycle" : m[2];
                var h = histograms.GetValueOrDefault(name, ([], 0, 0));
                switch (m[1] == "sales_cycle" ? m[2] : m[4])
                {
                    case "le": h.Cumulative.Add(value); break;
                    case "sum": h.Sum = value; break;
                    case "count": h.Count = value; break;
                }
                histograms[name] = h;
            }
        }
        foreach (var c in cohorts.Values)
            Assert.Equal((double)c.Converted / c.Entered, c.Rate);
        JourneySqlReference.Histogram H(string name) => new(histograms[name].Cumulative, histograms[name].Sum, histograms[name].Count);
        return new Parsed(
            cohorts.OrderBy(c => c.Key.Pair).ThenBy(c => c.Key.StartMs)
                .Select(c => new JourneySqlReference.Cohort(c.Key.Pair, c.Key.StartMs, c.Value.Entered, c.Value.Converted, c.Value.Mature)).ToList(),
            Ordered.SkipLast(1).Select(H).ToArray(),
            H("cycle"));
    }
}
