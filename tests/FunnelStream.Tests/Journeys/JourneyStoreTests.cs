using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Journeys;

/// <summary><see cref="JourneyStore"/>: windowFunnel conversion, cohorts and maturity, histograms, sales cycle, stalled journeys, expiry and eviction.</summary>
public class JourneyStoreTests
{
    /// <summary>2026-03-02T00:00:00Z, the start of a day (and of a 1-day cohort).</summary>
    internal static readonly long T0 = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    internal const int Lead = 2, Mql = 3, Sql = 4, Opportunity = 5, Won = 6, Lost = 7, Churn = 10;
    /// <summary>The pair index of lead → mql (pairs are numbered by their from-stage).</summary>
    private const int LeadToMql = Lead;
    private const long Minute = 60_000, Hour = 60 * Minute, Day = 24 * Hour;

    private static JourneyStore NewStore(JourneyOptions? options = null) =>
        new(FunnelDefinition.Default, options ?? new JourneyOptions { ScanInterval = TimeSpan.Zero });

    private static CohortSnapshot OnlyCohort(JourneyStore store, int pair) => Assert.Single(store.Snapshot.Transitions[pair].Cohorts);

    [Fact]
    public void Observe_ReachedAThenBWithinWindow_Converted()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0 + Hour);
        store.Observe(1, Mql, T0 + 3 * Hour);
        store.PublishSnapshot(T0 + 4 * Hour);

        CohortSnapshot cohort = OnlyCohort(store, LeadToMql);
        Assert.Equal((T0, T0 + Day, 1L, 1L), (cohort.StartMs, cohort.EndMs, cohort.Entered, cohort.Converted));
        Assert.Equal(1.0, cohort.Rate);
    }

    [Fact]
    public void Observe_BBeforeA_EnteredButNotConverted()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Mql, T0 + Hour);
        store.Observe(1, Lead, T0 + 2 * Hour);
        store.PublishSnapshot(T0 + 4 * Hour);

        CohortSnapshot cohort = OnlyCohort(store, LeadToMql);
        Assert.Equal((1L, 0L), (cohort.Entered, cohort.Converted));
    }

    [Fact]
    public void Observe_BAfterWindow_NotConverted()
    {
        JourneyStore store = NewStore(new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), ScanInterval = TimeSpan.Zero });
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Hour + 1000);
        store.Observe(2, Lead, T0);
        store.Observe(2, Mql, T0 + Hour + 999); // same second as the window's end: inclusive
        store.PublishSnapshot(T0 + 2 * Hour);

        CohortSnapshot cohort = OnlyCohort(store, LeadToMql);
        Assert.Equal((2L, 1L), (cohort.Entered, cohort.Converted));
    }

    [Fact]
    public void Observe_BArrivesBeforeA_SameResultAsInOrder()
    {
        JourneyStore inOrder = NewStore();
        inOrder.Observe(1, Lead, T0 + Hour);
        inOrder.Observe(1, Mql, T0 + 2 * Hour);
        JourneyStore reversed = NewStore();
        reversed.Observe(1, Mql, T0 + 2 * Hour);
        reversed.Observe(1, Lead, T0 + Hour);
        inOrder.PublishSnapshot(T0 + Day, endOfInput: true);
        reversed.PublishSnapshot(T0 + Day, endOfInput: true);

        Assert.Equal(OnlyCohort(inOrder, LeadToMql), OnlyCohort(reversed, LeadToMql));
        Assert.Equal(1L, OnlyCohort(reversed, LeadToMql).Converted);
        Assert.Equal(inOrder.Snapshot.Transitions[LeadToMql].TimeToConvert.SumSeconds, reversed.Snapshot.Transitions[LeadToMql].TimeToConvert.SumSeconds);
    }

    [Fact]
    public void Observe_EarlierAArrivesLater_MovesJourneyToEarlierCohort()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0 + Day + Hour);
        store.Observe(1, Mql, T0 + Day + 2 * Hour);
        store.Observe(1, Lead, T0 + 23 * Hour); // the true first lead, in the previous day
        store.PublishSnapshot(T0 + 2 * Day);

        CohortSnapshot cohort = OnlyCohort(store, LeadToMql);
        Assert.Equal((T0, 1L, 1L), (cohort.StartMs, cohort.Entered, cohort.Converted));
    }

    [Fact]
    public void Observe_RepeatedStage_KeepsFirstTime()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0);
        store.Observe(1, Lead, T0 + 2 * Day);
        store.Observe(1, Mql, T0 + Hour);
        store.PublishSnapshot(T0 + 3 * Day, endOfInput: true);

        CohortSnapshot cohort = OnlyCohort(store, LeadToMql);
        Assert.Equal((T0, 1L, 1L), (cohort.StartMs, cohort.Entered, cohort.Converted));
        Assert.Equal(3600L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.SumSeconds);
    }

    [Fact]
    public void Observe_NoJourney_Ignored()
    {
        JourneyStore store = NewStore();
        store.Observe(0, Lead, T0);
        store.Observe(1, Churn, T0); // an untracked stage on an unknown journey holds no row
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Snapshot_CohortsPerEntryDay_CountedSeparately()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0 + Hour);
        store.Observe(1, Mql, T0 + 2 * Hour);
        store.Observe(2, Lead, T0 + 5 * Hour);
        store.Observe(3, Lead, T0 + Day + Hour);
        store.Observe(3, Mql, T0 + Day + 3 * Hour);
        store.PublishSnapshot(T0 + 2 * Day);

        IReadOnlyList<CohortSnapshot> cohorts = store.Snapshot.Transitions[LeadToMql].Cohorts;
        Assert.Equal([(T0, 2L, 1L), (T0 + Day, 1L, 1L)], cohorts.Select(c => (c.StartMs, c.Entered, c.Converted)));
        Assert.Equal(0.5, cohorts[0].Rate);
    }

    [Fact]
    public void Snapshot_CohortBeforeWindowAndLatenessPassed_Immature()
    {
        var options = new JourneyOptions { ConversionWindow = TimeSpan.FromDays(2), ScanInterval = TimeSpan.Zero };
        JourneyStore store = NewStore(options);
        store.Observe(1, Lead, T0 + Hour);

        // Cohort [T0, T0+1d) is final at T0 + 1d + 2d + 5 min lateness.
        store.PublishSnapshot(T0 + 3 * Day + 5 * Minute - 1);
        Assert.False(OnlyCohort(store, LeadToMql).Mature);
        store.PublishSnapshot(T0 + 3 * Day + 5 * Minute);
        Assert.True(OnlyCohort(store, LeadToMql).Mature);
    }

    [Fact]
    public void Snapshot_P95RuleWithEnoughSamples_MatureAfterP95()
    {
        var options = new JourneyOptions { Maturity = CohortMaturityRule.P95TimeToConvert, MaturityMinSamples = 2, ScanInterval = TimeSpan.Zero };
        JourneyStore store = NewStore(options);
        // Two earlier conversions of 10 min put the p95 in the 15-minute bucket.
        store.Observe(1, Lead, T0 - Day);
        store.Observe(1, Mql, T0 - Day + 10 * Minute);
        store.Observe(2, Lead, T0 - Day);
        store.Observe(2, Mql, T0 - Day + 10 * Minute);
        store.Observe(3, Lead, T0 + Hour);

        store.PublishSnapshot(T0 + Day + 20 * Minute - 1);
        Assert.False(store.Snapshot.Transitions[LeadToMql].Cohorts[^1].Mature);
        store.PublishSnapshot(T0 + Day + 20 * Minute);
        Assert.True(store.Snapshot.Transitions[LeadToMql].Cohorts[^1].Mature);
    }

    [Fact]
    public void Snapshot_P95RuleWithTooFewSamples_WaitsForWindow()
    {
        var options = new JourneyOptions { Maturity = CohortMaturityRule.P95TimeToConvert, ScanInterval = TimeSpan.Zero };
        JourneyStore store = NewStore(options);
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Minute);
        store.PublishSnapshot(T0 + 5 * Day);
        Assert.False(OnlyCohort(store, LeadToMql).Mature);
    }

    [Fact]
    public void TimeToConvert_SeveralDurations_CumulativeBuckets()
    {
        JourneyStore store = NewStore();
        (ulong Journey, long Seconds)[] conversions = [(1, 30), (2, 60), (3, 600), (4, 2 * 86_400), (5, 29 * 86_400)];
        foreach ((ulong journey, long seconds) in conversions)
        {
            store.Observe(journey, Lead, T0);
            store.Observe(journey, Mql, T0 + seconds * 1000);
        }
        store.PublishSnapshot(T0 + 40 * Day);

        HistogramSnapshot h = store.Snapshot.Transitions[LeadToMql].TimeToConvert;
        // le: 1m 5m 15m 1h 6h 1d 3d 7d 14d 30d +Inf
        Assert.Equal([2L, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5], h.CumulativeCounts);
        Assert.Equal(5L, h.Count);
        Assert.Equal(conversions.Sum(c => c.Seconds), h.SumSeconds);
    }

    [Fact]
    public void TimeToConvert_WithinLateness_RecordedOnlyOnceFinal()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Hour);

        store.PublishSnapshot(T0 + Hour + 5 * Minute);
        Assert.Equal(0L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.Count);
        Assert.Equal(1L, OnlyCohort(store, LeadToMql).Converted); // the cohort already shows it
        store.PublishSnapshot(T0 + Hour + 5 * Minute + 1000);
        Assert.Equal(1L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.Count);
        store.PublishSnapshot(T0 + 2 * Hour);
        Assert.Equal(1L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.Count); // once per journey
    }

    [Fact]
    public void SalesCycle_LeadToWon_RecordedOnceNoWindow()
    {
        JourneyStore store = NewStore(new JourneyOptions { ConversionWindow = TimeSpan.FromDays(10), ScanInterval = TimeSpan.Zero });
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Day);
        store.Observe(1, Sql, T0 + 8 * Day);
        store.Observe(1, Opportunity, T0 + 15 * Day);
        store.Observe(1, Won, T0 + 20 * Day);
        store.PublishSnapshot(T0 + 21 * Day);
        store.PublishSnapshot(T0 + 22 * Day);

        HistogramSnapshot cycle = store.Snapshot.SalesCycle;
        Assert.Equal((1L, 20L * 86_400), (cycle.Count, cycle.SumSeconds));
        Assert.Equal(1L, cycle.CumulativeCounts[5]); // le 30 d
        Assert.Equal(0L, cycle.CumulativeCounts[4]); // le 14 d
    }

    [Fact]
    public void Stalled_MqlBeyondSla_CountedUntilItMovesOn()
    {
        JourneyStore store = NewStore();
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Hour);
        store.Observe(2, Mql, T0 + 20 * Hour);

        store.PublishSnapshot(T0 + 25 * Hour + 1);
        StalledStage mql = Assert.Single(store.Snapshot.Stalled);
        Assert.Equal((Mql, TimeSpan.FromHours(24), 1L), (mql.Stage, mql.Sla, mql.Count));

        store.Observe(1, Sql, T0 + 26 * Hour);
        store.PublishSnapshot(T0 + 26 * Hour);
        Assert.Equal(0L, store.Snapshot.Stalled[0].Count);
    }

    [Fact]
    public void Stalled_ClosedJourney_NotCounted()
    {
        var options = new JourneyOptions { StageSla = new Dictionary<string, TimeSpan> { ["opportunity"] = TimeSpan.FromDays(7) }, ScanInterval = TimeSpan.Zero };
        JourneyStore store = NewStore(options);
        store.Observe(1, Opportunity, T0);
        store.Observe(2, Opportunity, T0);
        store.Observe(2, Lost, T0 + Day);
        store.PublishSnapshot(T0 + 8 * Day);
        Assert.Equal(new StalledStage(Opportunity, TimeSpan.FromDays(7), 1), Assert.Single(store.Snapshot.Stalled));
    }

    [Fact]
    public void Expire_InactiveForWindowAndLateness_ForgottenAndCountsKept()
    {
        JourneyStore store = NewStore(new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), ScanInterval = TimeSpan.Zero });
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Minute);
        store.Observe(2, Lead, T0 + Hour);

        store.Expire(T0 + Minute + Hour + 5 * Minute);
        Assert.Equal(2, store.Count);
        store.Expire(T0 + Minute + Hour + 5 * Minute + 1000);
        Assert.Equal(1, store.Count);
        Assert.Equal(1L, store.Snapshot.Expirations);
        Assert.Equal((2L, 1L), (OnlyCohort(store, LeadToMql).Entered, OnlyCohort(store, LeadToMql).Converted));
        Assert.Equal(1L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.Count);
    }

    [Fact]
    public void Expire_WithinScanInterval_DoesNotScan()
    {
        JourneyStore store = NewStore(new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), ScanInterval = TimeSpan.FromMinutes(10) });
        store.Observe(1, Lead, T0);
        store.Expire(T0 + Hour); // a pass: nothing to expire yet
        store.Expire(T0 + 70 * Minute - 1); // expirable, but within the interval
        Assert.Equal(1, store.Count);
        store.Expire(T0 + 70 * Minute);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Observe_AtCap_EvictsLeastRecentlyActiveAndCounts()
    {
        JourneyStore store = NewStore(new JourneyOptions { MaxJourneys = 3, ScanInterval = TimeSpan.Zero });
        store.Observe(1, Lead, T0 + 3 * Hour);
        store.Observe(2, Lead, T0 + Hour);
        store.Observe(2, Mql, T0 + 4 * Hour); // journey 2 is now the most recently active
        store.Observe(3, Lead, T0 + 2 * Hour);
        store.Observe(4, Lead, T0 + 5 * Hour); // evicts journey 3 (last active T0 + 2 h)

        Assert.Equal(3, store.Count);
        Assert.Equal(1L, store.Evictions);
        store.Observe(3, Mql, T0 + 6 * Hour); // a fresh row: its lead is forgotten, so no conversion; evicts journey 1
        store.PublishSnapshot(T0 + 7 * Hour, endOfInput: true);
        Assert.Equal(2L, store.Snapshot.Evictions);
        Assert.Equal((4L, 1L), (OnlyCohort(store, LeadToMql).Entered, OnlyCohort(store, LeadToMql).Converted));
    }

    [Fact]
    public void Observe_EvictedJourneyWithConversion_RecordsItsTimeToConvert()
    {
        JourneyStore store = NewStore(new JourneyOptions { MaxJourneys = 1, ScanInterval = TimeSpan.Zero });
        store.Observe(1, Lead, T0);
        store.Observe(1, Mql, T0 + Minute);
        store.Observe(2, Lead, T0 + Hour);
        Assert.Equal(1L, store.Evictions);
        store.PublishSnapshot(T0 + Hour);
        Assert.Equal(1L, store.Snapshot.Transitions[LeadToMql].TimeToConvert.Count);
    }

    [Fact]
    public void Constructor_SlaForUnorderedStage_ThrowsNamingIt()
    {
        var options = new JourneyOptions { StageSla = new Dictionary<string, TimeSpan> { ["lost"] = TimeSpan.FromHours(1) } };
        var e = Assert.Throws<ArgumentException>(() => new JourneyStore(FunnelDefinition.Default, options));
        Assert.Contains("'lost'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("window")]
    [InlineData("cohort")]
    [InlineData("buckets")]
    [InlineData("cap")]
    public void Validate_OutOfRange_Throws(string which)
    {
        JourneyOptions options = which switch
        {
            "window" => new JourneyOptions { ConversionWindow = TimeSpan.FromMilliseconds(1500) },
            "cohort" => new JourneyOptions { CohortSize = TimeSpan.Zero },
            "buckets" => new JourneyOptions { TimeToConvertBucketsSeconds = [60, 30] },
            _ => new JourneyOptions { MaxJourneys = 0 },
        };
        Assert.Throws<ArgumentException>(options.Validate);
    }
}
