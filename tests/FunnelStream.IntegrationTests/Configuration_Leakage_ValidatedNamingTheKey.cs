using FunnelStream.Configuration;
using FunnelStream.Engine.Leakage;

namespace FunnelStream.IntegrationTests;

/// <summary>FunnelStream:Leakage is validated at start-up; a bad value names its key; disabled means no detector.</summary>
public sealed class Configuration_Leakage_ValidatedNamingTheKey
{
    [Theory]
    [InlineData("Confidence", "FunnelStream:Leakage:Confidence")]
    [InlineData("EvaluationInterval", "FunnelStream:Leakage:EvaluationInterval")]
    [InlineData("From", "FunnelStream:Leakage:Transitions:1:From")]
    [InlineData("AllowedDrop", "FunnelStream:Leakage:Transitions:0:AllowedDrop")]
    [InlineData("Topic", "FunnelStream:Leakage:Topic")]
    public void From_InvalidLeakageSetting_ErrorNamesTheKey(string setting, string key)
    {
        var options = new FunnelStreamOptions();
        switch (setting)
        {
            case "Confidence": options.Leakage.Confidence = 1.2; break;
            case "EvaluationInterval": options.Leakage.EvaluationInterval = TimeSpan.FromSeconds(90); break;
            case "Topic": options.Leakage.Topic = " "; break;
            case "From":
                options.Leakage.Transitions = [new() { From = "mql", To = "sql" }, new() { From = "visitor", To = "lead" }];
                break;
            default:
                options.Leakage.Transitions = [new() { From = "mql", To = "sql", AllowedDrop = 0 }];
                break;
        }
        var e = Assert.Throws<ConfigurationException>(() => ResolvedSettings.From(options));
        Assert.Contains(key + ":", e.Message);
    }

    [Fact]
    public void From_Defaults_WatchEveryAdjacentPairWithTheMqlSqlBenchmark()
    {
        LeakageOptions leakage = ResolvedSettings.From(new FunnelStreamOptions()).Leakage!;
        Assert.Null(leakage.Transitions);
        var transitions = LeakageOptions.DefaultTransitions(ResolvedSettings.From(new FunnelStreamOptions()).Funnel);
        Assert.Equal(6, transitions.Count);
        Assert.Equal(0.13, transitions.Single(t => t.From == "mql" && t.To == "sql").Benchmark);
        Assert.All(transitions.Where(t => t.From != "mql"), t => Assert.Null(t.Benchmark));
    }

    [Fact]
    public void From_Disabled_NoLeakageOptions()
    {
        var options = new FunnelStreamOptions();
        options.Leakage.Enabled = false;
        Assert.Null(ResolvedSettings.From(options).Leakage);
    }
}
