namespace FunnelStream.Tests.Deploy;

// The shipped recording and alerting rules (deploy/prometheus/rules/funnel-leakage.yml, issue 4) run
// through their unit tests (deploy/prometheus/tests/funnel-leakage.test.yml) by the real
// `promtool test rules` of Debian's prometheus 2.42, which evaluates `for:` and `keep_firing_for:`.
public class PrometheusRulesTests
{
    private static string Prometheus => Path.Combine(DeployKit.Root, "deploy", "prometheus");

    [Fact]
    public async Task PromtoolTestRules_ShippedRules_Pass()
    {
        DeployKit.ToolResult result = await DeployKit.PromtoolAsync("test", "rules", Path.Combine(Prometheus, "tests", "funnel-leakage.test.yml"));

        Assert.True(result.ExitCode == 0, $"promtool test rules failed:\n{result}");
        Assert.Contains("SUCCESS", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keep_firing_for: 15m", "keep_firing_for: 45m")] // the leakage alert would outlive the gauge by too long
    [InlineData("sum by (stage) (rate(funnel_events_total[1h]))", "avg by (stage) (rate(funnel_events_total[1h]))")] // a mean over instances
    [InlineData("sum by (job, stage, campaign, channel) (rate(funnel_events_total[6h]))", "avg by (job, stage, campaign, channel) (rate(funnel_events_total[6h]))")] // the dashboard's series, a mean over instances
    [InlineData("sum by (job, campaign, channel) (rate(funnel_spend_total[5m]))", "sum without (instance) (rate(funnel_spend_total[5m]))")] // a pod label would split the spend
    public async Task PromtoolTestRules_RuleChanged_TestsCatchIt(string original, string changed)
    {
        string dir = Directory.CreateTempSubdirectory("funnelstream-rules-").FullName;
        try
        {
            string rules = File.ReadAllText(Path.Combine(Prometheus, "rules", "funnel-leakage.yml"));
            Assert.Contains(original, rules, StringComparison.Ordinal);
            Directory.CreateDirectory(Path.Combine(dir, "rules"));
            Directory.CreateDirectory(Path.Combine(dir, "tests"));
            File.WriteAllText(Path.Combine(dir, "rules", "funnel-leakage.yml"), rules.Replace(original, changed, StringComparison.Ordinal));
            File.Copy(Path.Combine(Prometheus, "tests", "funnel-leakage.test.yml"), Path.Combine(dir, "tests", "funnel-leakage.test.yml"));

            DeployKit.ToolResult result = await DeployKit.PromtoolAsync("test", "rules", Path.Combine(dir, "tests", "funnel-leakage.test.yml"));

            Assert.True(result.ExitCode != 0, $"promtool test rules passed with '{changed}':\n{result}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
