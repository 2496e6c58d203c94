using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunnelStream.Tests.Deploy;

// The Grafana part of the deploy kit: deploy/grafana/dashboards/funnelstream.json (built from
// deploy/grafana/panels.yml by build_dashboard.py) and deploy/grafana/provisioning/. What needs a
// running Prometheus (every query returns data) is in the integration tests,
// Dashboard_QueriesAndRules_ReturnDataFromRealPrometheus.
public partial class GrafanaDashboardTests
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
            foreach (Match m in Regex.Matches(RecordedSeries().Replace(expr, ""), @"\b(funnel_[a-z0-9_]+)\b"))
                Assert.True(documented.Contains($"`{m.Value}`", StringComparison.Ordinal), $"panel \"{title}\" reads {m.Value}, which docs/metrics.md does not list");
            Assert.True(Regex.IsMatch(expr, @"\bfunnel_") || RecordedSeries().IsMatch(expr) || prometheusOwn.Any(p => Regex.IsMatch(expr, $@"\b{p}\{{")), $"panel \"{title}\" reads none of FunnelStream's metrics: {expr}");
            Assert.Contains("job=~\"$job\"", expr, StringComparison.Ordinal);
            // Breakdown series follow the campaign and channel variables.
            foreach (Match m in Regex.Matches(expr, @"\b(funnel_events_total|funnel_spend_total|funnel_revenue_total|[a-z_]*campaign_channel:[a-z0-9_:$]+)\{(?<labels>[^}]*)\}"))
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

    // Panels that may read FunnelStream's counters raw (rate()/increase() over the scraped series, summed
    // across instances in the query) rather than a recording rule, and why. Every other panel that
    // aggregates a counter reads deploy/prometheus/rules/ (docs/dashboard.md, "Recording rules").
    private static readonly Dictionary<string, string> RawCounterExemptions = new(StringComparer.Ordinal)
    {
        ["Funnel: events per stage in the time range"] = "increase over $__range, the dashboard's time range: no fixed-window rule covers it; an instant query, evaluated once per refresh",
        ["CTR"] = "over $__range (instant query)",
        ["CPM"] = "over $__range (instant query)",
        ["CPC"] = "over $__range (instant query)",
        ["CPL"] = "over $__range (instant query)",
        ["CAC"] = "over $__range (instant query)",
        ["ROI before COGS"] = "over $__range (instant query)",
        ["Sales cycle p50 / p95 and mean"] = "a histogram without breakdown labels (a few series per instance); quantiles at $__rate_interval, the mean over $__range",
        ["Time to convert p50 / p95"] = "a histogram by transition, no breakdown labels (a few series per instance); at $__rate_interval so it follows the zoom",
        ["Records consumed per second"] = "pipeline health: one series per instance, cheap raw; at $__rate_interval so a stall shows at any zoom",
        ["Rejected records per second by reason"] = "pipeline health: one series per instance and reason; $__rate_interval shows bursts",
        ["Late events per second by stage"] = "pipeline health: one series per instance and stage; $__rate_interval shows bursts",
        ["Duplicates dropped per second"] = "pipeline health: one series per instance; $__rate_interval shows bursts",
        ["Dead letters per second"] = "pipeline health: one series per instance; $__rate_interval shows bursts",
    };

    [Fact]
    public async Task Dashboard_CrossInstanceCounterAggregations_ReadRecordingRulesUnlessExempted()
    {
        // Several workers: the dashboard reads counters summed over instances by the recording rules,
        // so each refresh does not re-aggregate every worker's breakdown series. Where a panel reads a
        // counter raw it is listed above with the reason, and the list holds no stale entry.
        string[] windows = Windows();
        Dictionary<string, string> rules = await RecordingRulesAsync();
        var raw = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string title, string expr) in Queries())
        {
            if (RawCounter().IsMatch(expr))
            {
                raw.Add(title);
                Assert.True(RawCounterExemptions.ContainsKey(title), $"panel \"{title}\" aggregates a counter across instances without a recording rule (and is not exempted): {expr}");
                // The breakdown counters (a series per instance, stage, campaign and channel) are read raw only over the time range.
                foreach (Match m in Regex.Matches(expr, @"\b(rate|increase)\((funnel_events_total|funnel_spend_total|funnel_revenue_total)\{[^}]*\}\[(?<range>[^\]]+)\]"))
                    Assert.True(m.Groups["range"].Value == "$__range", $"panel \"{title}\" reads a breakdown counter raw over {m.Groups["range"].Value}; a recording rule covers that: {expr}");
            }
            foreach (Match m in RecordedSeries().Matches(expr))
            {
                // `...:rate$window` must be recorded for every window $window offers.
                string[] names = m.Value.Contains("$window", StringComparison.Ordinal) ? windows.Select(w => m.Value.Replace("$window", w, StringComparison.Ordinal)).ToArray() : [m.Value];
                foreach (string name in names)
                {
                    Assert.True(rules.TryGetValue(name, out string? ruleExpr), $"panel \"{title}\" reads {name}, which no rule in deploy/prometheus/rules/ records");
                    // Summed over instances but not over job, which $job filters on.
                    Assert.Matches(@"^sum by \(job\b", ruleExpr!);
                }
                Assert.Matches($@"\bsum(\s+by\s*\([^)]*\))?\s*\(\s*{Regex.Escape(m.Value)}\{{", expr);
            }
        }
        Assert.All(RawCounterExemptions, e => Assert.True(raw.Contains(e.Key), $"\"{e.Key}\" is exempted from recording rules but reads no raw counter (stale exemption)"));
        Assert.All(RawCounterExemptions.Values, r => Assert.False(string.IsNullOrWhiteSpace(r)));
    }

    [Fact]
    public async Task Dashboard_WindowVariable_OffersOnlyRecordedWindows()
    {
        // $window picks the recorded rate (`...:rate$window`): a window with no rule would give "No data".
        string[] windows = Windows();
        Dictionary<string, string> rules = await RecordingRulesAsync();
        Assert.NotEmpty(windows);
        Assert.Contains("1h", windows);
        foreach (string w in windows)
        {
            Assert.True(rules.ContainsKey($"stage_campaign_channel:funnel_events:rate{w}"), $"$window offers {w}, which has no recorded event rate");
            Assert.Contains($"[{w}]", rules[$"stage_campaign_channel:funnel_events:rate{w}"], StringComparison.Ordinal);
            Assert.True(rules.ContainsKey($"campaign_channel:funnel_spend:rate{w}"), $"$window offers {w}, which has no recorded spend rate");
        }
        Assert.Contains(Queries(), q => q.Expr.Contains("rate$window", StringComparison.Ordinal));
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

    private static string[] Windows() =>
        Dashboard.Value.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == "window").GetProperty("options").EnumerateArray()
            .Select(o => o.GetProperty("value").GetString()!).ToArray();

    // record name -> expression, over every deploy/prometheus/rules/*.yml.
    private static async Task<Dictionary<string, string>> RecordingRulesAsync()
    {
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(Path.Combine(DeployKit.Root, "deploy", "prometheus", "rules"), "*.yml"))
        {
            foreach (JsonElement group in (await DeployKit.YamlAsync(file)).Single().GetProperty("groups").EnumerateArray())
            {
                foreach (JsonElement rule in group.GetProperty("rules").EnumerateArray())
                {
                    if (rule.TryGetProperty("record", out JsonElement record))
                        rules.TryAdd(record.GetString()!, rule.GetProperty("expr").GetString()!.Trim());
                }
            }
        }
        return rules;
    }

    // A recorded series (level:metric:operations), possibly with $window in it.
    [GeneratedRegex(@"\b[a-z_]+:[a-z0-9_]+:[a-z0-9_$]+")]
    private static partial Regex RecordedSeries();

    // A FunnelStream counter (or histogram part) read raw through rate() or increase().
    [GeneratedRegex(@"\b(rate|increase)\(funnel_[a-z0-9_]+(_total|_bucket|_sum|_count)\{")]
    private static partial Regex RawCounter();

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
