using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunnelStream.Tests.Deploy;

// The Grafana part of the deploy kit: deploy/grafana/dashboards/funnelstream.json (built from
// deploy/grafana/panels.yml by build_dashboard.py) and deploy/grafana/provisioning/. What needs a
// running Prometheus (every query returns data) is in the integration tests,
// Dashboard_QueriesAndRules_ReturnDataFromRealPrometheus.
public class GrafanaDashboardTests
{
    private static readonly string Grafana = Path.Combine(DeployKit.Root, "deploy", "grafana");
    private static readonly Lazy<JsonDocument> Dashboard = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Grafana, "dashboards", "funnelstream.json"))));

    [Fact]
    public async Task Dashboard_Json_IsWhatThePanelSpecBuilds()
    {
        (int exit, string output) = await RunAsync("/usr/bin/python3", Path.Combine(Grafana, "build_dashboard.py"), "--check");

        Assert.True(exit == 0, $"deploy/grafana/dashboards/funnelstream.json is stale or the build failed:\n{output}");
    }

    [Fact]
    public void Dashboard_Panels_UniqueIdsPrometheusDataSourceAndNoOverlap()
    {
        List<JsonElement> panels = Panels().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var cells = new Dictionary<(int X, int Y), string>();
        foreach (JsonElement panel in panels)
        {
            string title = panel.GetProperty("title").GetString()!;
            JsonElement grid = panel.GetProperty("gridPos");
            int x = grid.GetProperty("x").GetInt32(), y = grid.GetProperty("y").GetInt32();
            int w = grid.GetProperty("w").GetInt32(), h = grid.GetProperty("h").GetInt32();
            Assert.True(x >= 0 && w > 0 && x + w <= 24 && h > 0, $"panel \"{title}\" is off Grafana's 24-column grid");
            for (int cx = x; cx < x + w; cx++)
            {
                for (int cy = y; cy < y + h; cy++)
                    Assert.True(cells.TryAdd((cx, cy), title), $"panels \"{title}\" and \"{cells.GetValueOrDefault((cx, cy))}\" overlap");
            }
            if (panel.GetProperty("type").GetString() == "row")
                continue;
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            JsonElement targets = panel.GetProperty("targets");
            Assert.True(targets.GetArrayLength() > 0, $"panel \"{title}\" has no query");
            Assert.All(targets.EnumerateArray(), t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"panel \"{title}\" has an empty query"));
        }
    }

    [Fact]
    public void Dashboard_Sections_FunnelConversionCostBreakdownAndPipelineHealth()
    {
        string[] rows = Panels().Where(p => p.GetProperty("type").GetString() == "row").Select(p => p.GetProperty("title").GetString()!).ToArray();
        string[] titles = Panels().Select(p => p.GetProperty("title").GetString()!).ToArray();

        foreach (string section in new[] { "Funnel", "Conversion", "Cost", "Breakdown", "Pipeline health" })
            Assert.Contains(rows, r => r.StartsWith(section, StringComparison.Ordinal));
        foreach (string kpi in new[] { "CTR", "CPC", "CPL", "CAC", "ROI before COGS" })
            Assert.Contains(kpi, titles);
        Assert.Contains(Panels(), p => p.GetProperty("type").GetString() == "bargauge");
        // Each conversion panel has a benchmark threshold drawn on it.
        JsonElement[] conversions = Panels().Where(p => p.GetProperty("title").GetString()!.Contains('→') && p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString() == "percentunit"
            && !p.GetProperty("title").GetString()!.Contains("by", StringComparison.Ordinal)).ToArray();
        Assert.True(conversions.Length >= 6, $"{conversions.Length} conversion panels");
        Assert.All(conversions, p =>
        {
            JsonElement defaults = p.GetProperty("fieldConfig").GetProperty("defaults");
            Assert.True(defaults.GetProperty("thresholds").GetProperty("steps").GetArrayLength() >= 2, $"{p.GetProperty("title")} has no threshold");
            Assert.NotEqual("off", defaults.GetProperty("custom").GetProperty("thresholdsStyle").GetProperty("mode").GetString());
        });
    }

    [Fact]
    public void Dashboard_Queries_ReadDocumentedMetricsAndFilterByTheVariables()
    {
        string documented = File.ReadAllText(Path.Combine(DeployKit.Root, "docs", "metrics.md"));
        string[] prometheusOwn = ["up", "scrape_samples_scraped"];
        foreach ((string title, string expr) in Queries())
        {
            foreach (Match m in Regex.Matches(expr, @"\b(funnel_[a-z0-9_]+)\b"))
                Assert.True(documented.Contains($"`{m.Value}`", StringComparison.Ordinal), $"panel \"{title}\" reads {m.Value}, which docs/metrics.md does not list");
            Assert.True(Regex.IsMatch(expr, @"\bfunnel_") || prometheusOwn.Any(p => Regex.IsMatch(expr, $@"\b{p}\{{")), $"panel \"{title}\" reads none of FunnelStream's metrics: {expr}");
            Assert.Contains("job=~\"$job\"", expr, StringComparison.Ordinal);
            // Breakdown series follow the campaign and channel variables.
            foreach (Match m in Regex.Matches(expr, @"\b(funnel_events_total|funnel_spend_total|funnel_revenue_total)\{(?<labels>[^}]*)\}"))
            {
                Assert.Contains("campaign=~\"$campaign\"", m.Groups["labels"].Value, StringComparison.Ordinal);
                Assert.Contains("channel=~\"$channel\"", m.Groups["labels"].Value, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Dashboard_Counters_AggregatedAcrossInstancesBySumOfRateOrIncrease()
    {
        // Several workers share the partitions: a counter is only meaningful summed over them, and a
        // counter's raw value (which restarts at 0) only through rate() or increase().
        foreach ((string title, string expr) in Queries())
        {
            int counters = Regex.Matches(expr, @"\bfunnel_[a-z0-9_]+_total\b").Count;
            int wrapped = Regex.Matches(expr, @"\b(rate|increase)\(funnel_[a-z0-9_]+_total\{").Count;
            Assert.True(counters == wrapped, $"panel \"{title}\": a counter outside rate()/increase(): {expr}");
            if (counters > 0)
                Assert.Equal(counters, Regex.Matches(expr, @"\bsum(\s+by\s*\([^)]*\))?\s*\(\s*(rate|increase)\(").Count);
        }
    }

    [Fact]
    public void Dashboard_Ratios_DenominatorGuardedSoZeroGivesNoValue()
    {
        // spec/kpis.md: a ratio whose denominator is zero has no value; PromQL would give +Inf or NaN.
        foreach ((string title, string expr) in Queries().Where(q => q.Expr.Contains(" / ", StringComparison.Ordinal)))
            Assert.True(expr.TrimEnd().EndsWith("> 0)", StringComparison.Ordinal), $"panel \"{title}\": the denominator is not guarded with > 0: {expr}");
    }

    [Fact]
    public void Dashboard_Variables_JobCampaignChannelFromLabelValuesWithAll()
    {
        JsonElement[] variables = Dashboard.Value.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray().ToArray();
        Assert.Equal("prometheus", variables.Single(v => v.GetProperty("type").GetString() == "datasource").GetProperty("query").GetString());
        foreach (string name in new[] { "job", "campaign", "channel" })
        {
            JsonElement v = variables.Single(v => v.GetProperty("name").GetString() == name);
            Assert.Matches($@"^label_values\(.+,\s*{name}\)$", v.GetProperty("definition").GetString()!);
            Assert.True(v.GetProperty("includeAll").GetBoolean() && v.GetProperty("multi").GetBoolean(), $"${name} should offer All and several values");
            Assert.Equal(".*", v.GetProperty("allValue").GetString());
        }
    }

    [Fact]
    public async Task GrafanaProvisioning_DataSourceAndProvider_MatchTheComposeStack()
    {
        JsonElement compose = (await DeployKit.YamlAsync(Path.Combine(DeployKit.Root, "deploy", "docker-compose.yml"))).Single();
        JsonElement prometheusYml = (await DeployKit.YamlAsync(Path.Combine(DeployKit.Root, "deploy", "prometheus", "prometheus.yml"))).Single();
        JsonElement datasources = (await DeployKit.YamlAsync(Path.Combine(Grafana, "provisioning", "datasources", "prometheus.yml"))).Single();
        JsonElement providers = (await DeployKit.YamlAsync(Path.Combine(Grafana, "provisioning", "dashboards", "funnelstream.yml"))).Single();

        JsonElement source = datasources.GetProperty("datasources").EnumerateArray().Single();
        Assert.Equal("prometheus", source.GetProperty("type").GetString());
        Assert.True(compose.GetProperty("services").TryGetProperty("prometheus", out _));
        Assert.Equal("http://prometheus:9090", source.GetProperty("url").GetString());
        Assert.True(source.GetProperty("isDefault").GetBoolean());
        // $__rate_interval assumes this scrape interval: it must be the worker's.
        string scrape = prometheusYml.GetProperty("scrape_configs").EnumerateArray()
            .Single(j => j.GetProperty("job_name").GetString() == "funnelstream").GetProperty("scrape_interval").GetString()!;
        Assert.Equal(scrape, source.GetProperty("jsonData").GetProperty("timeInterval").GetString());

        string path = providers.GetProperty("providers").EnumerateArray().Single().GetProperty("options").GetProperty("path").GetString()!;
        string[] mounts = DeployKit.Strings(compose.GetProperty("services").GetProperty("grafana").GetProperty("volumes"));
        Assert.Contains(mounts, m => m.StartsWith("./grafana/dashboards:" + path, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Grafana, "dashboards", "funnelstream.json")));
    }

    private static IEnumerable<JsonElement> Panels()
    {
        foreach (JsonElement panel in Dashboard.Value.RootElement.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out JsonElement nested))
            {
                foreach (JsonElement inner in nested.EnumerateArray())
                    yield return inner;
            }
        }
    }

    private static IEnumerable<(string Title, string Expr)> Queries() =>
        Panels().Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)));

    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        Assert.True(File.Exists(file), $"{file} is missing (Debian's python3 and python3-yaml; ./test.sh installs them)");
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
            info.ArgumentList.Add(a);
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout + await stderr);
    }
}
