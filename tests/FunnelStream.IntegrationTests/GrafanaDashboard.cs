using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A Grafana dashboard JSON file read the way Grafana would query it: every panel's PromQL (rows'
/// nested panels included) and every query variable, with template variables substituted.
/// </summary>
internal sealed partial class GrafanaDashboard
{
    // Grafana's built-in interval variables, as Grafana would set them for a short time range on a
    // Prometheus scraped every second: $__rate_interval is at least four scrapes.
    private static readonly Dictionary<string, string> BuiltIns = new(StringComparer.Ordinal)
    {
        ["__rate_interval"] = "10s",
        ["__interval"] = "2s",
        ["__range"] = "5m",
    };

    private readonly Dictionary<string, string> _values;

    private GrafanaDashboard(List<(string Panel, string Expr)> panelQueries, List<(string Variable, string Query)> variableQueries, Dictionary<string, string> values)
    {
        PanelQueries = panelQueries;
        VariableQueries = variableQueries;
        _values = values;
    }

    /// <summary>Every target of every panel: the panel's title and its raw expression.</summary>
    public IReadOnlyList<(string Panel, string Expr)> PanelQueries { get; }

    /// <summary>Every query variable: its name and raw query (<c>label_values(...)</c>).</summary>
    public IReadOnlyList<(string Variable, string Query)> VariableQueries { get; }

    public static GrafanaDashboard Load(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        var panels = new List<(string, string)>();
        Walk(root.GetProperty("panels"), panels);

        var variables = new List<(string, string)>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonElement v in root.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            string name = v.GetProperty("name").GetString()!;
            string type = v.GetProperty("type").GetString()!;
            if (type == "datasource")
                continue;
            if (type == "query")
                variables.Add((name, v.GetProperty("definition").GetString()!));
            JsonElement current = v.GetProperty("current").GetProperty("value");
            string value = current.ValueKind == JsonValueKind.Array ? current[0].GetString()! : current.GetString()!;
            // "All" is what a provisioned dashboard opens with; Grafana sends the variable's allValue for it.
            values[name] = value == "$__all" ? v.GetProperty("allValue").GetString()! : value;
        }
        return new GrafanaDashboard(panels, variables, values);
    }

    /// <summary><paramref name="expr"/> with <c>$name</c>, <c>${name}</c> and Grafana's interval variables replaced.</summary>
    public string Substitute(string expr)
    {
        string result = Variable().Replace(expr, m =>
        {
            string name = m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Value;
            if (BuiltIns.TryGetValue(name, out string? builtIn))
                return builtIn;
            return _values.TryGetValue(name, out string? value)
                ? value
                : throw new InvalidOperationException($"`{expr}` uses ${name}, which is neither a variable of the dashboard nor a Grafana built-in this test knows");
        });
        return result;
    }

    /// <summary>
    /// A query variable's <c>label_values(metric, label)</c> as the PromQL that returns those values
    /// (<c>count by (label) (metric)</c>), substituted; null for other variable query kinds.
    /// </summary>
    public string? VariableAsPromQl(string query)
    {
        Match m = LabelValues().Match(query.Trim());
        return m.Success ? $"count by ({m.Groups["label"].Value}) ({Substitute(m.Groups["metric"].Value)})" : null;
    }

    private static void Walk(JsonElement panels, List<(string, string)> into)
    {
        foreach (JsonElement panel in panels.EnumerateArray())
        {
            if (panel.TryGetProperty("panels", out JsonElement nested))
                Walk(nested, into);
            if (!panel.TryGetProperty("targets", out JsonElement targets))
                continue;
            string title = panel.GetProperty("title").GetString()!;
            foreach (JsonElement target in targets.EnumerateArray())
            {
                if (target.TryGetProperty("expr", out JsonElement expr))
                    into.Add((title, expr.GetString()!));
            }
        }
    }

    [GeneratedRegex(@"\$(?:\{(?<a>\w+)(?::\w+)?\}|(?<b>\w+))")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^label_values\((?<metric>.+),\s*(?<label>\w+)\s*\)$")]
    private static partial Regex LabelValues();
}
