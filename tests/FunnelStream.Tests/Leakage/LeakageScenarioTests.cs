using FunnelStream.Engine.Leakage;
using FunnelStream.Generator;
using Xunit.Abstractions;

namespace FunnelStream.Tests.Leakage;

// Issue 4, "What it must show": generated traffic through the parser, engine and detector in event
// time, with the detector's default settings (6 h rolling window judged every 5 min, 99 % Wilson
// bound, at least 200 MQLs, EWMA baseline after 24 h, allowed drop 25 %, margin 10 % held 1 h).
public class LeakageScenarioTests(ITestOutputHelper output)
{
    // The leak starts two days in, after the 24 h baseline warm-up and a healthy day.
    private static readonly DateTimeOffset LeakStart = LeakageTestKit.Start.AddDays(2);
    private static readonly TimeSpan LeakLength = TimeSpan.FromHours(12);

    // Stated bounds. Opening: the 6 h rolling window must be mostly post-leak for the total's upper
    // bound to fall below 75 % of the baseline (brand is a third of the traffic), plus the MQL -> SQL
    // delay (median ~15 min here), the 5 min lateness and one interval. Resolving: the window must be
    // mostly healthy again, then the 1 h hold.
    private static readonly TimeSpan MaxDetectionDelay = TimeSpan.FromHours(8);
    private static readonly TimeSpan MaxResolutionDelay = TimeSpan.FromHours(7);

    // Both lifecycle tests read the same run (8 s of generation and counting).
    private static readonly Lazy<LeakageTestKit> BrandLeak = new(() => new LeakageTestKit().Run(
        LeakageTestKit.Traffic(seed: 11, TimeSpan.FromDays(4), eventsPerSecond: 5,
            new LeakOptions { From = "mql", To = "sql", Campaign = "brand", Factor = 0, Start = LeakStart, End = LeakStart + LeakLength }),
        new LeakageOptions()));

    private static LeakageTestKit RunBrandLeak() => BrandLeak.Value;

    [Fact]
    public void Detector_MqlToSqlLeakOnOneCampaign_OpensTotalAlertNamingTheCampaignThenResolves()
    {
        LeakageTestKit kit = RunBrandLeak();
        foreach (LeakageAlert a in kit.Alerts)
            output.WriteLine(a.ToString());

        Assert.DoesNotContain(kit.Alerts, a => a.EvaluatedAtMs <= LeakStart.ToUnixTimeMilliseconds());
        LeakageAlert opened = Assert.Single(kit.Of(LeakageAlertKind.Opened, "mql", "sql", "total"));
        TimeSpan delay = LeakageTestKit.Time(opened.FirstSeenMs) - LeakStart;
        output.WriteLine($"total mql->sql opened {delay.TotalHours:F2} h after the leak began");
        Assert.InRange(delay, TimeSpan.Zero, MaxDetectionDelay);
        Assert.True(opened.Upper < opened.Threshold);
        Assert.Equal("baseline", opened.ThresholdKind);

        AttributionEntry campaign = Assert.Single(opened.Attribution, e => e.Dimension == "campaign");
        Assert.Equal("brand", campaign.Value);
        Assert.True(campaign.Share > 0.8, $"brand explains {campaign.Share:P0} of the shortfall");
        // The drop is spread evenly over the channels (brand runs on all of them): none is blamed.
        Assert.DoesNotContain(opened.Attribution, e => e.Dimension == "channel");

        LeakageAlert resolved = Assert.Single(kit.Alerts, a => a.AlertId == opened.AlertId && a.Kind == LeakageAlertKind.Resolved);
        TimeSpan recovery = LeakageTestKit.Time(resolved.EvaluatedAtMs) - (LeakStart + LeakLength);
        output.WriteLine($"resolved {recovery.TotalHours:F2} h after the leak ended");
        Assert.InRange(recovery, TimeSpan.Zero, MaxResolutionDelay);
        Assert.Equal(opened.FirstSeenMs, resolved.FirstSeenMs);
        Assert.True(resolved.Upper >= resolved.Threshold * 1.1);

        // The campaign's own scope leaks too; the other campaigns never do.
        Assert.Single(kit.Of(LeakageAlertKind.Opened, "mql", "sql", "campaign=brand"));
        Assert.DoesNotContain(kit.Alerts, a => a.Scope is "campaign=spring-sale" or "campaign=webinar-q4" && a.From == "mql");
        // Transitions above the leak are untouched.
        Assert.DoesNotContain(kit.Alerts, a => a.From is "impression" or "click" or "lead");
    }

    [Fact]
    public void Detector_OneAlertsRecords_ShareTheIdAndFollowTheLifecycle()
    {
        LeakageTestKit kit = RunBrandLeak();
        foreach (IGrouping<string, LeakageAlert> alert in kit.Alerts.GroupBy(a => a.AlertId))
        {
            LeakageAlert[] records = alert.ToArray();
            Assert.Equal(LeakageAlertKind.Opened, records[0].Kind);
            Assert.All(records.Skip(1).SkipLast(1), r => Assert.Equal(LeakageAlertKind.Updated, r.Kind));
            Assert.All(records, r => Assert.Equal(records[0].FirstSeenMs, r.FirstSeenMs));
            Assert.All(records, r => Assert.Equal((records[0].From, records[0].To, records[0].Scope), (r.From, r.To, r.Scope)));
            Assert.Equal(records.Select(r => r.EvaluatedAtMs).Order(), records.Select(r => r.EvaluatedAtMs));
            Assert.All(records, r => Assert.InRange(r.LastSeenMs, r.FirstSeenMs, r.EvaluatedAtMs));
        }
    }

    [Fact]
    public void Detector_HealthyFunnelOverTwoWeeks_OpensNoAlert()
    {
        TrafficOptions traffic = LeakageTestKit.Traffic(seed: 5, TimeSpan.FromDays(14), eventsPerSecond: 2);
        traffic.Campaigns = ["spring-sale", "webinar-q4", "brand", "retargeting", "product-launch"];
        LeakageTestKit kit = new LeakageTestKit().Run(traffic, new LeakageOptions());

        LeakageDetector detector = kit.Detector!;
        double transitionHours = detector.Judgements * new LeakageOptions().EvaluationInterval.TotalHours;
        output.WriteLine($"{kit.Events} events over 14 simulated days; {detector.Transitions.Count} transitions x {detector.Scopes.Count} scopes; "
            + $"{detector.Judgements} judgements with a sufficient sample and a threshold = {transitionHours:F0} transition-hours; "
            + $"false alerts: {detector.AlertsOpened}");
        foreach (LeakageAlert a in kit.Alerts)
            output.WriteLine(a.ToString());
        // Enough evidence was judged for "no alert" to mean something: most of 14 days x 6 transitions x 12 scopes.
        Assert.True(transitionHours > 10_000, $"only {transitionHours:F0} transition-hours judged");
        Assert.Empty(kit.Alerts);
    }
}
