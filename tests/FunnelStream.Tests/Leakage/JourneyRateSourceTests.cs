using FunnelStream.Engine;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Tests.Leakage;

/// <summary>
/// Journey-based leakage evidence (issue 4 item 1): only mature cohorts count, a drop in them opens a
/// journey alert that recovery resolves, and small samples never alert. Driven in event time.
/// </summary>
public class JourneyRateSourceTests
{
    /// <summary>MQL -&gt; SQL from journeys against a 25 % benchmark; the lookback holds about four mature 1 h cohorts.</summary>
    private static LeakageOptions Options(long minFromEvents = 200) => new()
    {
        RollingWindow = TimeSpan.FromHours(1),
        JourneyLookback = TimeSpan.FromHours(6),
        MinFromEvents = minFromEvents,
        Transitions =
        [
            new LeakageTransitionOptions
            {
                From = "mql", To = "sql", Benchmark = 0.25, Baseline = BaselineKind.None, RateSource = LeakageRateSource.Journey,
            },
        ],
    };

    [Fact]
    public void Evaluate_ImmatureCohortsConvertNothing_IgnoredAndNoAlert()
    {
        // 10 healthy hours (30 %), then 2 hours in which nobody converts; the stream stops at 12:00,
        // so those two cohorts are still immature (they mature 1 h 5 min after they end).
        JourneyFeed feed = new JourneyFeed().Hours(10, entered: 300, rate: 0.3).Hours(2, entered: 300, rate: 0).Run(Options());

        Assert.Empty(feed.Alerts);
        LeakageGauge total = Assert.Single(feed.Detector!.Gauges);
        Assert.Equal("total", total.Scope.Label);
        // The last judgement (around 11:55) reads the mature cohorts starting in the last 6 h,
        // 06:00-09:00: 4 × 300 journeys at exactly 30 %. Counting the immature ones would give 0.2
        // over 1800, with an upper bound under the 25 % benchmark.
        Assert.Equal(1200, total.FromEvents);
        Assert.Equal(0.3, total.Rate, 10);
        Assert.True(total.SampleSufficient);
        Assert.False(total.Active);
        Assert.Equal("journey", Assert.Single(feed.Detector.RateSources));
    }

    [Fact]
    public void Evaluate_DropInMatureCohortsThenRecovery_OpensOneJourneyAlertAndResolvesIt()
    {
        // Cohorts 10:00-15:00 convert 10 % instead of 30 %; from 16:00 on, 30 % again.
        JourneyFeed feed = new JourneyFeed()
            .Hours(10, entered: 300, rate: 0.3).Hours(6, entered: 300, rate: 0.1).Hours(12, entered: 300, rate: 0.3)
            .Run(Options());

        LeakageAlert opened = Assert.Single(feed.Alerts, a => a.Kind == LeakageAlertKind.Opened);
        LeakageAlert resolved = Assert.Single(feed.Alerts, a => a.Kind == LeakageAlertKind.Resolved);
        Assert.All(feed.Alerts, a => Assert.Equal(("journey", "total", "mql", "sql"), (a.RateSource, a.Scope, a.From, a.To)));
        Assert.All(feed.Alerts, a => Assert.Empty(a.Attribution));
        // The first drop cohort (10:00-11:00) is mature at 12:05; two of four in the lookback are
        // needed for the bound to fall under the benchmark, i.e. at about 13:05.
        Assert.InRange(JourneyFeed.Time(opened.FirstSeenMs), JourneyFeed.T0.AddHours(12), JourneyFeed.T0.AddHours(14));
        Assert.True(opened.Upper < 0.25);
        // The lookback is healthy again from about 20:05 (cohorts 15:00-18:00 at (10 + 3 × 30) / 4 % ...
        // enough to clear 25 % × 1.1), plus the 1 h hold.
        Assert.InRange(JourneyFeed.Time(resolved.EvaluatedAtMs), JourneyFeed.T0.AddHours(20), JourneyFeed.T0.AddHours(23));
        Assert.Equal(opened.AlertId, resolved.AlertId);
        Assert.False(Assert.Single(feed.Detector!.Gauges).Active);
    }

    [Fact]
    public void Evaluate_SmallSampleConvertingNothing_NeverAlerts()
    {
        // 30 journeys an hour: at most 5 mature cohorts (150 journeys) in the lookback, under the 200
        // the detector needs, although none of them ever converts.
        JourneyFeed feed = new JourneyFeed().Hours(24, entered: 30, rate: 0).Run(Options());

        Assert.Empty(feed.Alerts);
        LeakageGauge total = Assert.Single(feed.Detector!.Gauges);
        Assert.InRange(total.FromEvents, 90, 150);
        Assert.Equal(0, total.Rate);
        Assert.False(total.SampleSufficient);
    }

    [Fact]
    public void Attach_JourneyTransitionWithoutJourneyStore_ThrowsNamingTheTransition()
    {
        var engine = new FunnelEngine(FunnelDefinition.Default, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)] },
            FunnelDefinition.Default.Dimensions.Select(d => new DimensionInterner(d, 10)).ToArray());

        var e = Assert.Throws<ArgumentException>(() => { LeakageDetector.Attach(engine, Options(), null); });
        Assert.Equal("Transitions[0].RateSource", e.ParamName);
    }

    [Theory]
    [InlineData("lead", "sql", BaselineKind.None)]
    [InlineData("mql", "sql", BaselineKind.SameHourLastWeek)]
    public void Validate_JourneyOnNonAdjacentPairOrWeeklyBaseline_ThrowsNamingRateSource(string from, string to, BaselineKind baseline)
    {
        var options = new LeakageOptions
        {
            Transitions = [new LeakageTransitionOptions { From = from, To = to, Benchmark = 0.1, Baseline = baseline, RateSource = LeakageRateSource.Journey }],
        };

        var e = Assert.Throws<ArgumentException>(() => options.Validate(FunnelDefinition.Default, [TimeSpan.FromMinutes(1)]));
        Assert.Equal("Transitions[0].RateSource", e.ParamName);
    }
}
