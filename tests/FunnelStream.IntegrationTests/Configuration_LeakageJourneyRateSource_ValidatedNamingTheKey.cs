using FunnelStream.Configuration;
using FunnelStream.Engine.Leakage;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.IntegrationTests;

/// <summary>FunnelStream:Leakage:Transitions:N:RateSource selects count or journey evidence; journey is checked at start-up against the journey settings.</summary>
public sealed class Configuration_LeakageJourneyRateSource_ValidatedNamingTheKey
{
    private static ResolvedSettings FromMemory(params (string Key, string Value)[] settings) =>
        ResolvedSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static string Error(params (string Key, string Value)[] settings) =>
        string.Join("\n", Assert.Throws<ConfigurationException>(() => FromMemory(settings)).Errors);

    private static readonly (string, string)[] JourneyMqlSql =
    [
        ("FunnelStream:Leakage:Transitions:0:From", "mql"),
        ("FunnelStream:Leakage:Transitions:0:To", "sql"),
        ("FunnelStream:Leakage:Transitions:1:From", "sql"),
        ("FunnelStream:Leakage:Transitions:1:To", "opportunity"),
        ("FunnelStream:Leakage:Transitions:1:RateSource", "journey"),
    ];

    [Fact]
    public void From_RateSourceJourneyWithJourneysOn_BoundPerTransitionCountByDefault()
    {
        LeakageOptions leakage = FromMemory(JourneyMqlSql).Leakage!;

        Assert.Equal([LeakageRateSource.Count, LeakageRateSource.Journey], leakage.Transitions!.Select(t => t.RateSource));
        Assert.Equal(TimeSpan.FromDays(45), leakage.JourneyLookback);
    }

    [Fact]
    public void From_RateSourceJourneyWithJourneysDisabled_ErrorNamesTheRateSourceKey()
    {
        string error = Error([.. JourneyMqlSql, ("FunnelStream:Journeys:Enabled", "false")]);

        Assert.Contains("FunnelStream:Leakage:Transitions:1:RateSource:", error);
        Assert.Contains("FunnelStream:Journeys:Enabled", error);
    }

    [Fact]
    public void From_JourneyLookbackShorterThanCohortPlusConversionWindow_ErrorNamesTheKey()
    {
        // Default journeys: 1-day cohorts that mature 30 days after they end.
        string error = Error([.. JourneyMqlSql, ("FunnelStream:Leakage:JourneyLookback", "20.00:00:00")]);

        Assert.Contains("FunnelStream:Leakage:JourneyLookback:", error);
    }

    [Fact]
    public void From_RateSourceJourneyOnNonAdjacentPair_ErrorNamesTheRateSourceKey()
    {
        string error = Error(
            ("FunnelStream:Leakage:Transitions:0:From", "lead"),
            ("FunnelStream:Leakage:Transitions:0:To", "sql"),
            ("FunnelStream:Leakage:Transitions:0:RateSource", "journey"));

        Assert.Contains("FunnelStream:Leakage:Transitions:0:RateSource:", error);
    }

    [Fact]
    public void From_UnknownRateSource_FailsNamingTheKey()
    {
        var e = Assert.Throws<ConfigurationException>(() => FromMemory(
            ("FunnelStream:Leakage:Transitions:0:From", "mql"),
            ("FunnelStream:Leakage:Transitions:0:To", "sql"),
            ("FunnelStream:Leakage:Transitions:0:RateSource", "cohort")));

        Assert.Contains("FunnelStream:Leakage:Transitions:0:RateSource", e.Message);
    }
}
