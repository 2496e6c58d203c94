using System.Globalization;
using System.Text.RegularExpressions;

namespace FunnelStream.IntegrationTests;

/// <summary>A parsed Prometheus text exposition: sample name + labels → value. Test helper.</summary>
internal sealed partial class ScrapedMetrics
{
    private readonly Dictionary<string, double> _samples = [];

    public ScrapedMetrics(string text)
    {
        Text = text;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            Match m = SampleLine().Match(line);
            if (!m.Success)
                throw new FormatException($"not a sample line: {line}");
            var labels = LabelPair().Matches(m.Groups["labels"].Value)
                .Select(l => (l.Groups["k"].Value, Unescape(l.Groups["v"].Value)))
                .ToArray();
            _samples[Key(m.Groups["name"].Value, labels)] = ParseValue(m.Groups["value"].Value);
        }
    }

    public string Text { get; }

    /// <summary>Sample by sample sums of several scrapes (what <c>sum by (all labels)</c> over instances gives).</summary>
    public static ScrapedMetrics SumOf(IEnumerable<ScrapedMetrics> scrapes)
    {
        var sum = new ScrapedMetrics("");
        foreach (ScrapedMetrics s in scrapes)
        {
            foreach ((string key, double v) in s._samples)
                sum._samples[key] = sum._samples.GetValueOrDefault(key) + v;
        }
        return sum;
    }

    /// <summary>The value of the sample with exactly these labels, or null when absent.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels) =>
        _samples.TryGetValue(Key(name, labels), out double v) ? v : null;

    /// <summary>Sum over every sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels)
    {
        double sum = 0;
        foreach ((string key, double v) in _samples)
        {
            if (!key.StartsWith(name + "{", StringComparison.Ordinal))
                continue;
            if (labels.All(l => key.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
                sum += v;
        }
        return sum;
    }

    private static string Key(string name, IEnumerable<(string Key, string Value)> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static double ParseValue(string v) => v switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(v, CultureInfo.InvariantCulture),
    };

    private static string Unescape(string v) => v.Replace("\\n", "\n").Replace("\\\"", "\"").Replace("\\\\", "\\");

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \S+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
