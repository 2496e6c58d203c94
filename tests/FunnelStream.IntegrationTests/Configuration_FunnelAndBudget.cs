using FunnelStream.Configuration;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The funnel is configuration: stages, their order, stages outside the order, breakdown dimensions and
/// the per-dimension cardinality budget bind from configuration, and a bad value stops start-up naming the key.
/// </summary>
public sealed class Configuration_FunnelAndBudget
{
    private static ResolvedSettings FromMemory(params (string Key, string Value)[] settings) =>
        ResolvedSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static string Error(params (string Key, string Value)[] settings) =>
        string.Join("\n", Assert.Throws<ConfigurationException>(() => FromMemory(settings)).Errors);

    [Fact]
    public void CustomFunnel_StagesOrderOthersAndDimensions_Bound()
    {
        ResolvedSettings settings = FromMemory(
            ("FunnelStream:Funnel:Stages:0", "visit"), ("FunnelStream:Funnel:Stages:1", "trial"), ("FunnelStream:Funnel:Stages:2", "won"),
            ("FunnelStream:Funnel:OtherStages:0", "lost"),
            ("FunnelStream:Funnel:Dimensions:0", "segment"), ("FunnelStream:Funnel:Dimensions:1", "source"));

        Assert.Equal(["visit", "trial", "won", "lost", "spend"], settings.Funnel.Stages);
        Assert.Equal(3, settings.Funnel.OrderedCount);
        Assert.Equal(["segment", "source"], settings.Funnel.Dimensions);
    }

    [Fact]
    public void MaxValuesByDimension_OverridesTheDefaultBudgetPerDimension()
    {
        ResolvedSettings settings = FromMemory(
            ("FunnelStream:Funnel:MaxValuesPerDimension", "500"),
            ("FunnelStream:Funnel:MaxValuesByDimension:campaign", "20"));

        Assert.Equal(20, settings.MaxValuesFor("campaign"));
        Assert.Equal(500, settings.MaxValuesFor("channel"));
    }

    [Theory]
    [InlineData("FunnelStream:Funnel:Stages:0", "Impression", "FunnelStream:Funnel:Stages")]
    [InlineData("FunnelStream:Funnel:OtherStages:0", "click", "FunnelStream:Funnel:Stages / Funnel:OtherStages")]
    [InlineData("FunnelStream:Funnel:OtherStages:0", "spend", "FunnelStream:Funnel:Stages / Funnel:OtherStages")]
    [InlineData("FunnelStream:Funnel:Dimensions:0", "country", "FunnelStream:Funnel:Dimensions")]
    [InlineData("FunnelStream:Funnel:MaxValuesPerDimension", "0", "FunnelStream:Funnel:MaxValuesPerDimension")]
    [InlineData("FunnelStream:Funnel:MaxValuesByDimension:country", "10", "FunnelStream:Funnel:MaxValuesByDimension:country")]
    [InlineData("FunnelStream:Funnel:MaxValuesByDimension:channel", "70000", "FunnelStream:Funnel:MaxValuesByDimension:channel")]
    public void InvalidSetting_ErrorNamesKey(string key, string value, string expectedKey)
    {
        Assert.Contains(expectedKey, Error((key, value)));
    }

    [Fact]
    public void DimensionTwice_ErrorNamesDimensions()
    {
        string error = Error(("FunnelStream:Funnel:Dimensions:0", "channel"), ("FunnelStream:Funnel:Dimensions:1", "channel"));
        Assert.Contains("FunnelStream:Funnel:Dimensions", error);
    }

    [Fact]
    public void OneOrderedStage_ErrorNamesStages()
    {
        // Stages:0 overrides the first default; replace the whole list by clearing the rest is not possible
        // in configuration, so a one-stage funnel comes from a file whose list has one entry.
        string error = Assert.Throws<ConfigurationException>(() => ResolvedSettings.From(new FunnelStreamOptions
        {
            Funnel = new FunnelSettings { Stages = ["visit"] },
        })).Errors.Single();
        Assert.StartsWith("FunnelStream:Funnel:Stages:", error);
    }
}
