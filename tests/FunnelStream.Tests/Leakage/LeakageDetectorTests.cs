using FunnelStream.Engine;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Tests.Leakage;

public class LeakageDetectorTests
{
    // MQL -> SQL against the seed-000 benchmark 0.13 only, over a 30 min window (6 intervals).
    private static LeakageOptions BenchmarkOnly(double margin = 0.1, TimeSpan? hold = null) => new()
    {
        RollingWindow = TimeSpan.FromMinutes(30),
        HysteresisMargin = margin,
        ClearHold = hold ?? TimeSpan.FromHours(1),
        Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.13, Baseline = BaselineKind.None }],
    };

    [Fact]
    public void Detect_FewerFromEventsThanMinimum_NeverAlertsEvenAtZeroConversion()
    {
        // 30 MQLs per interval: 180 in the window, under the minimum of 200; not one SQL all day.
        var feed = new CountFeed(BenchmarkOnly()).Add(intervals: 288, mql: 30, sql: 0).Finish();

        Assert.Empty(feed.Alerts);
        LeakageGauge g = feed.Gauge();
        Assert.False(g.SampleSufficient);
        Assert.Equal(180, g.FromEvents);
        Assert.Equal(0, feed.Detector.Judgements);
    }

    [Fact]
    public void Detect_SameZeroConversionWithEnoughFromEvents_Alerts()
    {
        // The control for the test above: 40 per interval (240 in the window) is enough.
        var feed = new CountFeed(BenchmarkOnly()).Add(intervals: 288, mql: 40, sql: 0).Finish();

        Assert.Equal(1, feed.Count(LeakageAlertKind.Opened));
        Assert.True(feed.Gauge().SampleSufficient);
        Assert.True(feed.Gauge().Active);
    }

    [Fact]
    public void Detect_RateAtBenchmarkOnSmallSample_NoAlert()
    {
        // Exactly the benchmark, 13 %, on the minimum sample: the bound is far from below it.
        var feed = new CountFeed(BenchmarkOnly()).Add(intervals: 288, mql: 34, sql: 4).Finish();
        Assert.Empty(feed.Alerts);
    }

    [Fact]
    public void Detect_RateFlappingAroundThreshold_OneAlertNotMany()
    {
        var flapping = new CountFeed(BenchmarkOnly());
        var control = new CountFeed(BenchmarkOnly(margin: 0, hold: TimeSpan.Zero));
        foreach (CountFeed feed in new[] { flapping, control })
        {
            feed.Add(intervals: 12, mql: 100, sql: 20);
            // 18 cycles of 40 min at 6 % and 40 min at 20 %: the bound crosses 0.13 every 40 min.
            for (int cycle = 0; cycle < 18; cycle++)
                feed.Add(intervals: 8, mql: 100, sql: 6).Add(intervals: 8, mql: 100, sql: 20);
            feed.Add(intervals: 36, mql: 100, sql: 20).Finish();
        }

        Assert.Equal(1, flapping.Count(LeakageAlertKind.Opened));
        Assert.Equal(1, flapping.Count(LeakageAlertKind.Resolved));
        LeakageAlert resolved = flapping.Alerts.Single(a => a.Kind == LeakageAlertKind.Resolved && a.Scope == "total");
        Assert.True(resolved.EvaluatedAtMs > (CountFeed.T0 + TimeSpan.FromMinutes(5 * (12 + 18 * 16))).ToUnixTimeMilliseconds(),
            "resolves only in the steady stretch after the flapping");
        // Without hysteresis and hold, the same series opens an alert every cycle.
        Assert.True(control.Count(LeakageAlertKind.Opened) >= 15, $"control opened {control.Count(LeakageAlertKind.Opened)}");
    }

    [Fact]
    public void Detect_LongLeak_BaselineFrozenSoTheAlertStaysOpen()
    {
        var options = new LeakageOptions
        {
            RollingWindow = TimeSpan.FromHours(1),
            BaselineHalfLife = TimeSpan.FromHours(6),
            BaselineWarmUp = TimeSpan.FromHours(6),
            Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql" }],
        };
        // 12 h at 20 %, then two days at 5 %: eight half-lives; an unfrozen EWMA would follow it down.
        var feed = new CountFeed(options).Add(intervals: 144, mql: 20, sql: 4).Add(intervals: 576, mql: 20, sql: 1).Finish();

        LeakageAlert opened = Assert.Single(feed.Alerts, a => a.Kind == LeakageAlertKind.Opened && a.Scope == "total");
        Assert.Equal("baseline", opened.ThresholdKind);
        Assert.Equal(0.2, opened.Baseline!.Value, 2);
        Assert.Equal(0.15, opened.Threshold, 2);
        Assert.Equal(0, feed.Count(LeakageAlertKind.Resolved));
        Assert.Equal(1, feed.Count(LeakageAlertKind.Opened));
        Assert.True(feed.Gauge().Active);
        Assert.Equal(0.2, feed.Gauge().Baseline, 2);
        // Hourly updates while open.
        Assert.InRange(feed.Count(LeakageAlertKind.Updated), 40, 48);
    }

    [Fact]
    public void Detect_SameHourLastWeekBaseline_JudgesAgainstLastWeek()
    {
        var options = new LeakageOptions
        {
            RollingWindow = TimeSpan.FromHours(1),
            Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Baseline = BaselineKind.SameHourLastWeek }],
        };
        var feed = new CountFeed(options).Add(intervals: 7 * 288, mql: 20, sql: 4);
        Assert.Empty(feed.Alerts);
        feed.Add(intervals: 24, mql: 20, sql: 1).Finish();

        LeakageAlert opened = Assert.Single(feed.Alerts, a => a.Kind == LeakageAlertKind.Opened && a.Scope == "total");
        Assert.Equal("same_hour_last_week", opened.BaselineKind);
        Assert.Equal(0.2, opened.Baseline!.Value, 3);
        Assert.True(opened.FirstSeenMs >= (CountFeed.T0 + TimeSpan.FromDays(7)).ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Detect_NoBaselineYetAndNoBenchmark_NoThresholdNoVerdict()
    {
        var options = new LeakageOptions { RollingWindow = TimeSpan.FromHours(1), Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql" }] };
        // 12 h of zero conversion before the 24 h warm-up ends: nothing to compare with.
        var feed = new CountFeed(options).Add(intervals: 144, mql: 40, sql: 0).Finish();
        Assert.Empty(feed.Alerts);
        Assert.True(double.IsNaN(feed.Gauge().Threshold));
    }

    [Fact]
    public void Attribution_LeakInOneCampaign_NamesItAndNotTheHealthyOne()
    {
        var options = new LeakageOptions
        {
            RollingWindow = TimeSpan.FromMinutes(30),
            Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.13, Baseline = BaselineKind.None }],
        };
        var feed = new CountFeed(options);
        for (int i = 0; i < 12; i++)
            feed.Add(1, mql: 60, sql: 9, campaign: "spring").Add(1, mql: 60, sql: 0, campaign: "brand");
        feed.Finish();

        LeakageAlert total = Assert.Single(feed.Alerts, a => a.Kind == LeakageAlertKind.Opened && a.Scope == "total");
        AttributionEntry entry = Assert.Single(total.Attribution);
        // spring converts at 15 %, above the benchmark: it has no shortfall and is not named.
        Assert.Equal(("campaign", "brand"), (entry.Dimension, entry.Value));
        Assert.True(entry.Share > 0.9);
    }

    [Theory]
    [InlineData("Confidence")]
    [InlineData("EvaluationInterval")]
    [InlineData("RollingWindow")]
    [InlineData("Transitions[0].From")]
    [InlineData("Transitions[0].AllowedDrop")]
    public void Validate_InvalidSetting_NamesIt(string name)
    {
        LeakageOptions options = name switch
        {
            "Confidence" => new LeakageOptions { Confidence = 1.5 },
            "EvaluationInterval" => new LeakageOptions { EvaluationInterval = TimeSpan.FromSeconds(90) },
            "RollingWindow" => new LeakageOptions { RollingWindow = TimeSpan.FromMinutes(7) },
            "Transitions[0].From" => new LeakageOptions { Transitions = [new LeakageTransitionOptions { From = "visit", To = "sql" }] },
            _ => new LeakageOptions { Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", AllowedDrop = 1.5 }] },
        };
        var e = Assert.Throws<ArgumentException>(() => options.Validate(FunnelDefinition.Default, [TimeSpan.FromMinutes(1)]));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Attach_IntervalNotAMultipleOfAnyWindow_Throws()
    {
        var engine = new FunnelEngine(FunnelDefinition.Default, new EngineOptions { WindowSizes = [TimeSpan.FromHours(1)] },
            FunnelDefinition.Default.Dimensions.Select(d => new DimensionInterner(d, 10)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => LeakageDetector.Attach(engine, new LeakageOptions(), null));
        Assert.Equal("EvaluationInterval", e.ParamName);
    }

    [Fact]
    public void Gauges_BeforeFirstEvaluation_EveryTransitionTotalInactiveWithoutSample()
    {
        // Dashboards and the FunnelLeakageActive rule need a 0, not an absent series, from start-up on.
        var engine = new FunnelEngine(FunnelDefinition.Default, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)] },
            FunnelDefinition.Default.Dimensions.Select(d => new DimensionInterner(d, 10)).ToArray());
        LeakageDetector detector = LeakageDetector.Attach(engine, new LeakageOptions(), null);

        Assert.Equal(detector.Transitions.Count, detector.Gauges.Count);
        Assert.All(detector.Gauges, g =>
        {
            Assert.True(g.Scope.IsTotal);
            Assert.False(g.Active);
            Assert.False(g.SampleSufficient);
            Assert.Equal(0, g.FromEvents);
        });
        Assert.Equal(Enumerable.Range(0, detector.Transitions.Count), detector.Gauges.Select(g => g.Transition));
    }
}
