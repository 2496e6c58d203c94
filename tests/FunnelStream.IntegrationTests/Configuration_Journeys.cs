using System.Text;
using FunnelStream.Configuration;
using FunnelStream.Engine.Journeys;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// <c>FunnelStream:Journeys</c> (docs/configuration.md, "Journeys") reaches the journey store from
/// appsettings and environment, with documented defaults, and a bad value stops start-up naming the key.
/// </summary>
public sealed class Configuration_Journeys
{
    private static ResolvedSettings FromMemory(params (string Key, string Value)[] settings) =>
        ResolvedSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static string Error(params (string Key, string Value)[] settings) =>
        string.Join("\n", Assert.Throws<ConfigurationException>(() => FromMemory(settings)).Errors);

    [Fact]
    public void Defaults_NothingConfigured_DocumentedValues()
    {
        JourneyOptions journeys = FromMemory().Journeys!;

        Assert.Equal(TimeSpan.FromDays(30), journeys.ConversionWindow);
        Assert.Equal(1_000_000, journeys.MaxJourneys);
        Assert.Equal(TimeSpan.FromHours(24), Assert.Single(journeys.StageSla, s => s.Key == "mql").Value);
        Assert.Single(journeys.StageSla);
        Assert.Equal(TimeSpan.FromDays(1), journeys.CohortSize);
        Assert.Equal(CohortMaturityRule.ConversionWindow, journeys.Maturity);
        Assert.Equal(TimeSpan.FromMinutes(5), journeys.AllowedLateness);
        Assert.Equal(("lead", "won"), (journeys.LeadStage, journeys.WonStage));
        Assert.Equal(["lost"], journeys.ClosedStages);
    }

    [Fact]
    public void ShippedAppsettings_BindsWithoutErrors_JourneysOnFieldMappingEmpty()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(path), $"{path} missing: the host's appsettings.json should be copied beside the program");
        ResolvedSettings settings = ResolvedSettings.From(new ConfigurationBuilder().AddJsonFile(path).Build());

        Assert.NotNull(settings.Journeys);
        Assert.Empty(settings.Raw.Events.Fields);
        Assert.Empty(settings.Raw.Events.TypeValues);
        Assert.Equal(TimeSpan.FromHours(24), settings.Journeys!.StageSla["mql"]);
        Assert.Equal(1000, settings.MaxValuesFor("campaign"));
    }

    [Fact]
    public void Appsettings_JourneySection_ReachesOptions()
    {
        const string Json = """
            {"FunnelStream":{"Journeys":{
              "ConversionWindow":"14.00:00:00","MaxJourneys":5000,"CohortSize":"06:00:00",
              "StageSla":{"sql":"2.00:00:00","opportunity":"30.00:00:00"},
              "Maturity":"P95TimeToConvert","MaturityMinSamples":20,"ClosedStages":["lost","churn"]}}}
            """;
        JourneyOptions journeys = ResolvedSettings.From(new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(Json))).Build()).Journeys!;

        Assert.Equal(TimeSpan.FromDays(14), journeys.ConversionWindow);
        Assert.Equal(5000, journeys.MaxJourneys);
        Assert.Equal(TimeSpan.FromHours(6), journeys.CohortSize);
        // A configured SLA map replaces the default one (no mql entry now).
        Assert.Equal(2, journeys.StageSla.Count);
        Assert.Equal(TimeSpan.FromDays(2), journeys.StageSla["sql"]);
        Assert.Equal(CohortMaturityRule.P95TimeToConvert, journeys.Maturity);
        Assert.Equal(20, journeys.MaturityMinSamples);
        Assert.Equal(["lost", "churn"], journeys.ClosedStages);
    }

    [Fact]
    public void EnvironmentVariables_DoubleUnderscore_BindSlaWindowAndBudget()
    {
        // A prefix of this test's own keeps the process environment of other tests untouched.
        const string Prefix = "FSTEST_JOURNEYS_";
        (string Name, string Value)[] variables =
        [
            (Prefix + "FunnelStream__Journeys__StageSla__mql", "04:00:00"),
            (Prefix + "FunnelStream__Journeys__ConversionWindow", "7.00:00:00"),
            (Prefix + "FunnelStream__Funnel__MaxValuesByDimension__channel", "12"),
        ];
        try
        {
            foreach ((string name, string value) in variables)
                Environment.SetEnvironmentVariable(name, value);
            ResolvedSettings settings = ResolvedSettings.From(new ConfigurationBuilder().AddEnvironmentVariables(Prefix).Build());

            Assert.Equal(TimeSpan.FromHours(4), settings.Journeys!.StageSla["mql"]);
            Assert.Equal(TimeSpan.FromDays(7), settings.Journeys.ConversionWindow);
            Assert.Equal(12, settings.MaxValuesFor("channel"));
        }
        finally
        {
            foreach ((string name, _) in variables)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Disabled_NoJourneyOptions()
    {
        Assert.Null(FromMemory(("FunnelStream:Journeys:Enabled", "false")).Journeys);
    }

    [Fact]
    public void FunnelWithoutMql_NoDefaultSla()
    {
        ResolvedSettings settings = FromMemory(
            ("FunnelStream:Funnel:Stages:0", "visit"), ("FunnelStream:Funnel:Stages:1", "signup"), ("FunnelStream:Funnel:Stages:2", "won"));
        Assert.Empty(settings.Journeys!.StageSla);
    }

    [Theory]
    [InlineData("FunnelStream:Journeys:StageSla:lost", "1.00:00:00", "FunnelStream:Journeys:StageSla:lost")]
    [InlineData("FunnelStream:Journeys:StageSla:sql", "-01:00:00", "FunnelStream:Journeys:StageSla:sql")]
    [InlineData("FunnelStream:Journeys:ConversionWindow", "00:00:00", "FunnelStream:Journeys:ConversionWindow")]
    [InlineData("FunnelStream:Journeys:CohortSize", "00:00:01.500", "FunnelStream:Journeys:CohortSize")]
    [InlineData("FunnelStream:Journeys:MaxJourneys", "0", "FunnelStream:Journeys:MaxJourneys")]
    [InlineData("FunnelStream:Journeys:MaturityMinSamples", "0", "FunnelStream:Journeys:MaturityMinSamples")]
    [InlineData("FunnelStream:Journeys:Maturity", "Soon", "FunnelStream:Journeys:Maturity")]
    [InlineData("FunnelStream:Journeys:LeadStage", "signup", "FunnelStream:Journeys:LeadStage")]
    [InlineData("FunnelStream:Journeys:WonStage", "spend", "FunnelStream:Journeys:WonStage")]
    [InlineData("FunnelStream:Journeys:ClosedStages:0", "gone", "FunnelStream:Journeys:ClosedStages:0")]
    [InlineData("FunnelStream:Journeys:TimeToConvertBucketsSeconds:0", "-5", "FunnelStream:Journeys:TimeToConvertBucketsSeconds")]
    [InlineData("FunnelStream:Journeys:ConversionWindows", "1.00:00:00", "ConversionWindows")] // a typo is an unknown key
    [InlineData("FunnelStream:Windows:AllowedLateness", "00:00:00.250", "FunnelStream:Windows:AllowedLateness")]
    public void InvalidSetting_ErrorNamesKey(string key, string value, string expectedKey)
    {
        Assert.Contains(expectedKey, Error((key, value)));
    }

    [Fact]
    public void InvalidSla_ErrorListsOrderedStages()
    {
        string error = Error(("FunnelStream:Journeys:StageSla:churn", "1.00:00:00"));
        Assert.Contains("impression, click, lead, mql, sql, opportunity, won", error);
    }
}
