using System.Globalization;
using System.Text;
using System.Text.Json;
using FunnelStream.Configuration;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// What <c>replay</c> computes for a list of events, as one flat map of metric name to value per
/// window and breakdown, and the same view of <c>funnel.kpis</c> records (highest revision per key),
/// so a test can compare the two exactly.
/// </summary>
internal static class ReplayExpectation
{
    /// <summary>Identifies a window and breakdown: size in seconds, start, and the dimension values in order.</summary>
    public static string Id(long sizeSeconds, string start, IEnumerable<string> breakdown) =>
        $"{sizeSeconds}s {start} {string.Join('/', breakdown)}";

    /// <summary>Replays <paramref name="events"/> (JSONL lines, in this order) for each window size of <paramref name="settings"/>.</summary>
    public static Dictionary<string, Dictionary<string, double>> Replay(ResolvedSettings settings, IEnumerable<string> events)
    {
        byte[] input = Encoding.UTF8.GetBytes(string.Join('\n', events) + "\n");
        var expected = new Dictionary<string, Dictionary<string, double>>();
        IReadOnlyList<string> dims = settings.Funnel.Dimensions;
        foreach (TimeSpan size in settings.Engine.WindowSizes)
        {
            var output = new StringWriter();
            ReplayRunner.Run(new MemoryStream(input), output, new ReplayOptions
            {
                Window = size,
                By = dims,
                Format = ReplayFormat.Jsonl,
                Funnel = settings.Funnel,
                Parser = settings.Parser,
                AllowedLateness = settings.Engine.AllowedLateness,
                DedupHorizon = settings.Engine.DedupHorizon,
                SpendRestatements = settings.Engine.SpendRestatements,
            });
            foreach (string line in output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                JsonElement row = JsonDocument.Parse(line).RootElement;
                var metrics = new Dictionary<string, double>();
                foreach (JsonProperty p in row.EnumerateObject())
                {
                    // Period-over-period changes compare two windows; funnel.kpis records carry one window's
                    // facts only, so they stay right when an earlier window is revised (docs/topics.md).
                    if (p.Name is not ("window_start" or "window_end" or "revenue_change" or "deals_change") && !dims.Contains(p.Name))
                        metrics[p.Name] = p.Value.GetDouble();
                }
                expected[Id((long)size.TotalSeconds, row.GetProperty("window_start").GetString()!, dims.Select(d => row.GetProperty(d).GetString()!))] = metrics;
            }
        }
        return expected;
    }

    /// <summary>The highest revision of each key in <paramref name="records"/>, in replay's terms.</summary>
    public static Dictionary<string, Dictionary<string, double>> Latest(IEnumerable<KpiTopicRecord> records, IReadOnlyList<string> dims)
    {
        var latest = new Dictionary<string, (int Revision, Dictionary<string, double> Metrics)>();
        foreach (KpiTopicRecord r in records)
        {
            JsonElement v = r.ValueJson;
            string id = Id(v.GetProperty("window_size_s").GetInt64(), v.GetProperty("window_start").GetString()!,
                dims.Select(d => v.GetProperty("breakdown").GetProperty(d).GetString()!));
            int revision = v.GetProperty("revision").GetInt32();
            if (latest.TryGetValue(id, out var seen) && seen.Revision >= revision)
                continue;
            var metrics = new Dictionary<string, double>();
            foreach (JsonProperty c in v.GetProperty("counts").EnumerateObject())
                metrics["events." + c.Name] = c.Value.GetDouble();
            metrics["spend"] = v.GetProperty("spend").GetDouble();
            metrics["revenue"] = v.GetProperty("revenue").GetDouble();
            foreach (JsonProperty k in v.GetProperty("kpis").EnumerateObject())
                metrics[k.Name] = k.Value.GetDouble();
            latest[id] = (revision, metrics);
        }
        return latest.ToDictionary(kv => kv.Key, kv => kv.Value.Metrics);
    }

    /// <summary>Whether the two views hold the same keys with the same metric names and values.</summary>
    public static bool Same(Dictionary<string, Dictionary<string, double>> a, Dictionary<string, Dictionary<string, double>> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other)
            && kv.Value.Count == other.Count && kv.Value.All(m => other.TryGetValue(m.Key, out double o) && o.Equals(m.Value)));

    /// <summary>A readable difference, for assertion messages.</summary>
    public static string Describe(Dictionary<string, Dictionary<string, double>> expected, Dictionary<string, Dictionary<string, double>> actual)
    {
        var sb = new StringBuilder();
        foreach (string key in expected.Keys.Union(actual.Keys).Order())
        {
            string e = expected.TryGetValue(key, out var em) ? string.Join(", ", em.OrderBy(m => m.Key).Select(m => $"{m.Key}={m.Value.ToString(CultureInfo.InvariantCulture)}")) : "(none)";
            string a = actual.TryGetValue(key, out var am) ? string.Join(", ", am.OrderBy(m => m.Key).Select(m => $"{m.Key}={m.Value.ToString(CultureInfo.InvariantCulture)}")) : "(none)";
            if (e != a)
                sb.Append(key).Append("\n  replay: ").Append(e).Append("\n  topic:  ").Append(a).Append('\n');
        }
        return sb.ToString();
    }
}
