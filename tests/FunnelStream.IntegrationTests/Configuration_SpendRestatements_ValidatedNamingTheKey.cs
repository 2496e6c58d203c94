using FunnelStream.Configuration;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.IntegrationTests;

/// <summary>FunnelStream:Events:SpendRestatements binds (default off) and needs campaign and channel among the funnel's dimensions.</summary>
public sealed class Configuration_SpendRestatements_ValidatedNamingTheKey
{
    private static ResolvedSettings FromMemory(params (string Key, string Value)[] settings) =>
        ResolvedSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void SpendRestatements_DefaultOffAndBindsOn()
    {
        Assert.False(FromMemory().Engine.SpendRestatements);
        Assert.True(FromMemory(("FunnelStream:Events:SpendRestatements", "true")).Engine.SpendRestatements);
    }

    [Fact]
    public void SpendRestatements_WithoutCampaignAndChannelDimensions_FailsNamingTheKey()
    {
        var e = Assert.Throws<ConfigurationException>(() => FromMemory(
            ("FunnelStream:Events:SpendRestatements", "true"),
            ("FunnelStream:Funnel:Dimensions:0", "campaign"), ("FunnelStream:Funnel:Dimensions:1", "source")));
        Assert.Contains(e.Errors, m => m.StartsWith("FunnelStream:Events:SpendRestatements:", StringComparison.Ordinal) && m.Contains("channel"));
    }

    [Fact]
    public void SpendRestatements_NotABoolean_FailsNamingTheKey()
    {
        var e = Assert.Throws<ConfigurationException>(() => FromMemory(("FunnelStream:Events:SpendRestatements", "sometimes")));
        Assert.Contains("SpendRestatements", string.Join("\n", e.Errors));
    }
}
