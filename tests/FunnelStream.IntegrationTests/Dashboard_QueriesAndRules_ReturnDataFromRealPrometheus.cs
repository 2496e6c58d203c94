using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunnelStream.Cli;
using FunnelStream.Generator;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// What ships in deploy/ works against real data: the real Prometheus server scrapes a worker fed by
/// the generator through the embedded broker, loads the shipped rules (deploy/prometheus/rules/*.yml,
/// each accepted by <c>promtool check rules</c>), and then every Grafana dashboard panel query, every
/// dashboard variable query and every rule expression returns data through Prometheus's HTTP API.
/// </summary>
/// <remarks>
/// "Returns data" means: a panel or recording-rule query, and a recording rule's own series, return at
/// least one sample; a variable returns at least one non-empty label value; an alerting rule (whose
/// condition is rightly empty while nothing is wrong) evaluates without error and every metric it reads
/// has series. Every rule must be loaded and evaluated with health "ok".
/// </remarks>
public sealed partial class Dashboard_QueriesAndRules_ReturnDataFromRealPrometheus
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Prometheus_ScrapingGeneratedTraffic_EveryPanelVariableAndRuleQueryReturnsData()
    {
        string rulesDir = RepoRoot.File("deploy", "prometheus", "rules");
        string[] ruleFiles = Directory.Exists(rulesDir) ? Directory.GetFiles(rulesDir, "*.yml").Order(StringComparer.Ordinal).ToArray() : [];
        int rulesInFiles = 0;
        foreach (string file in ruleFiles)
            rulesInFiles += await PromtoolCheckRulesAsync(file);
        GrafanaDashboard dashboard = GrafanaDashboard.Load(RepoRoot.File("deploy", "grafana", "dashboards", "funnelstream.json"));
        Assert.NotEmpty(dashboard.PanelQueries);

        // Settings that let every panel fill within the deadline: journey histograms get samples only at
        // a journey scan (1 s instead of 1 min of watermark advance) and once a conversion is older than
        // watermark - lateness (5 s instead of 5 min); period-over-period change needs a previous window
        // with revenue (a 1 min rolling window besides the defaults); NRR needs a base.
        await using var fixture = new WorkerFixture(configure: o =>
        {
            o.Windows.AllowedLateness = TimeSpan.FromSeconds(5);
            o.Windows.Rolling = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24)];
            o.Journeys.ScanInterval = TimeSpan.FromSeconds(1);
            o.Kpis.NrrBase = 50_000m;
            // Leak evidence within the test's time: judge every minute over the last two.
            o.Leakage.EvaluationInterval = TimeSpan.FromMinutes(1);
            o.Leakage.RollingWindow = TimeSpan.FromMinutes(2);
            o.Leakage.BaselineHalfLife = TimeSpan.FromMinutes(1);
            o.Leakage.UpdateInterval = TimeSpan.FromMinutes(1);
        });
        await fixture.StartAsync();
        using var stopTraffic = new CancellationTokenSource();
        // Live traffic paced on the wall clock like `demo`, with the funnel compressed (weeks become
        // seconds, a year about a minute, so renewals and churn arrive too) and generous conversion
        // rates so that every stage, won included, has events within seconds: ratio panels have no
        // value until their denominator does. A leak gives leakage rules something to see.
        var traffic = new TrafficOptions
        {
            Start = DateTimeOffset.UtcNow,
            Duration = TimeSpan.FromMinutes(10),
            EventsPerSecond = 150,
            StageDelayScale = 0.000002,
            ClickThroughRate = 0.2,
            ClickToLeadRate = 0.5,
            LeadToMqlRate = 0.8,
            MqlToSqlRate = 0.8,
            SqlToOpportunityRate = 0.8,
            OpportunityToWonRate = 0.6,
            DuplicateRate = 0.01,
            BadRecordRate = 0.005,
            Leaks = [new LeakOptions { From = "mql", To = "sql", Factor = 0.3, Start = DateTimeOffset.MinValue }],
        };
        Task<long> publishing = Task.Run(() => TrafficPublisher.PublishAsync(new TrafficGenerator(traffic).Generate(),
            fixture.Broker.BootstrapServers, realtime: true, NullLogger.Instance, stopTraffic.Token));

        string config = $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
              - "{rulesDir}/*.yml"
            scrape_configs:
              - job_name: funnelstream
                static_configs:
                  - targets: ["{fixture.MetricsUri!.Authority}"]
            """;
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync(config);

        var watch = Stopwatch.StartNew();
        List<string> failures;
        int checks = 0;
        while (true)
        {
            checks++;
            failures = await CheckAsync(prometheus, dashboard, rulesInFiles);
            if (failures.Count == 0 || watch.Elapsed > Deadline)
                break;
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        stopTraffic.Cancel();
        long published = await publishing;

        Assert.True(failures.Count == 0,
            $"after {watch.Elapsed.TotalSeconds:F0} s ({checks} rounds, {published} records published), {failures.Count} queries returned no data:\n"
            + string.Join("\n", failures) + "\n--- prometheus log (tail) ---\n" + Tail(prometheus.Log, 30));
    }

    private static async Task<List<string>> CheckAsync(PrometheusServer prometheus, GrafanaDashboard dashboard, int rulesInFiles)
    {
        var failures = new List<string>();
        foreach ((string variable, string query) in dashboard.VariableQueries)
        {
            string? promQl = dashboard.VariableAsPromQl(query);
            if (promQl is null)
            {
                failures.Add($"variable ${variable}: `{query}` is not label_values(metric, label)");
                continue;
            }
            string label = Regex.Match(promQl, @"^count by \((\w+)\)").Groups[1].Value;
            JsonElement result = await TryQueryAsync(prometheus, promQl, failures, $"variable ${variable}");
            if (result.ValueKind == JsonValueKind.Array && !result.EnumerateArray().Any(r => r.GetProperty("metric").TryGetProperty(label, out JsonElement v) && v.GetString() != ""))
                failures.Add($"variable ${variable}: `{promQl}` gives no value");
        }
        foreach ((string panel, string expr) in dashboard.PanelQueries)
        {
            string promQl = dashboard.Substitute(expr);
            JsonElement result = await TryQueryAsync(prometheus, promQl, failures, $"panel \"{panel}\"");
            if (result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 0)
                failures.Add($"panel \"{panel}\": `{promQl}` returned no data");
        }

        int rulesLoaded = 0;
        foreach (JsonElement group in (await prometheus.RuleGroupsAsync()).EnumerateArray())
        {
            foreach (JsonElement rule in group.GetProperty("rules").EnumerateArray())
            {
                rulesLoaded++;
                string name = rule.GetProperty("name").GetString()!;
                string query = rule.GetProperty("query").GetString()!;
                string where = $"rule {name} (group {group.GetProperty("name").GetString()})";
                string health = rule.GetProperty("health").GetString()!;
                if (health != "ok")
                {
                    failures.Add($"{where}: health {health} {(rule.TryGetProperty("lastError", out JsonElement e) ? e.GetString() : "")}");
                    continue;
                }
                if (rule.GetProperty("type").GetString() == "recording")
                {
                    foreach (string q in new[] { query, name })
                    {
                        JsonElement result = await TryQueryAsync(prometheus, q, failures, where);
                        if (result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 0)
                            failures.Add($"{where}: `{q}` returned no data");
                    }
                }
                else
                {
                    await TryQueryAsync(prometheus, query, failures, where);
                    foreach (string metric in MetricNames(query))
                    {
                        JsonElement result = await TryQueryAsync(prometheus, $"count({{__name__=\"{metric}\"}})", failures, where);
                        if (result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 0)
                            failures.Add($"{where}: reads {metric}, which has no series");
                    }
                }
            }
        }
        if (rulesLoaded != rulesInFiles)
            failures.Add($"Prometheus loaded {rulesLoaded} rules; promtool found {rulesInFiles} in deploy/prometheus/rules/*.yml");
        return failures;
    }

    private static async Task<JsonElement> TryQueryAsync(PrometheusServer prometheus, string promQl, List<string> failures, string where)
    {
        try
        {
            return await prometheus.QueryAsync(promQl);
        }
        catch (PromQlException e)
        {
            failures.Add($"{where}: {e.Message}");
            return default;
        }
    }

    // The metric names an expression reads: FunnelStream's own (funnel_*) and recorded series
    // (level:metric:operation names contain a colon). Label names and functions match neither.
    private static IEnumerable<string> MetricNames(string expr) =>
        MetricName().Matches(Regex.Replace(expr, "\"(\\\\.|[^\"\\\\])*\"", "\"\"")).Select(m => m.Value).Distinct(StringComparer.Ordinal);

    private static async Task<int> PromtoolCheckRulesAsync(string file)
    {
        Assert.True(File.Exists("/usr/bin/promtool"), "/usr/bin/promtool is missing: apt-get install prometheus (scripts/setup.sh does, with FUNNELSTREAM_SETUP_TESTS=1)");
        var info = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "check", "rules", file })
            info.ArgumentList.Add(a);
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"promtool check rules {file} failed:\n{output}");
        Match found = Regex.Match(output, @"SUCCESS: (\d+) rules found");
        Assert.True(found.Success, $"promtool check rules {file} did not say how many rules it found:\n{output}");
        return int.Parse(found.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Tail(string text, int lines) => string.Join("\n", text.Split('\n').TakeLast(lines));

    [GeneratedRegex(@"\b(funnel_[a-zA-Z0-9_]+|[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]+)\b")]
    private static partial Regex MetricName();
}
