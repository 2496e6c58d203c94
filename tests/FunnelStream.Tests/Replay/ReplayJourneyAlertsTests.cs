using System.Text.Json;
using FunnelStream.Engine.Leakage;
using FunnelStream.Outputs.Replay;
using FunnelStream.Tests.Leakage;

namespace FunnelStream.Tests.Replay;

// replay --alerts with a journey-based transition: journeys on, the detector reads mature cohorts.
public class ReplayJourneyAlertsTests
{
    [Fact]
    public void Run_JourneyTransitionWithJourneysOn_WritesJourneyAlertRecords()
    {
        byte[] input = new JourneyFeed().Hours(10, entered: 300, rate: 0.3).Hours(6, entered: 300, rate: 0.1).Hours(12, entered: 300, rate: 0.3).Jsonl();
        using var output = new StringWriter();
        using var alerts = new StringWriter();

        ReplayRunner.Run(new MemoryStream(input), output, new ReplayOptions
        {
            Now = JourneyFeed.T0.AddDays(2),
            Journeys = JourneyFeed.Journeys,
            Leakage = new LeakageOptions
            {
                JourneyLookback = TimeSpan.FromHours(6),
                Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.25, Baseline = BaselineKind.None, RateSource = LeakageRateSource.Journey }],
            },
            Alerts = new ReplayAlertWriter(alerts),
        });

        JsonElement[] records = alerts.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
        Assert.Equal(["opened", "resolved"], records.Select(r => r.GetProperty("kind").GetString()).Where(k => k != "updated"));
        Assert.All(records, r => Assert.Equal("journey", r.GetProperty("rate_source").GetString()));
        Assert.All(records, r => Assert.Equal("total", r.GetProperty("scope").GetString()));
    }

    [Fact]
    public void Run_JourneyTransitionWithJourneysOff_ThrowsNamingTheTransition()
    {
        var e = Assert.Throws<ArgumentException>(() => ReplayRunner.Run(new MemoryStream(new JourneyFeed().Hours(1, 10, 0.3).Jsonl()), new StringWriter(), new ReplayOptions
        {
            Now = JourneyFeed.T0.AddDays(2),
            Leakage = new LeakageOptions
            {
                Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.25, RateSource = LeakageRateSource.Journey }],
            },
        }));
        Assert.Equal("Transitions[0].RateSource", e.ParamName);
    }
}
