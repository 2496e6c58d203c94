using System.Buffers;
using System.Globalization;
using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Web;

/// <summary>
/// Every sample of one exposition of the worker's own <see cref="MetricsRegistry"/>, read back from
/// the text format 0.0.4 that <c>/metrics</c> serves.
/// </summary>
/// <remarks>
/// Why read the exposition back rather than the engine: the live page must show the numbers
/// Prometheus sees (issue 7), so it takes them from one run of the same collectors, in one pass,
/// and any metric a collector adds later (leakage alerts, journeys) is available to it by name with
/// no second code path to keep in step. Costs one exposition per call (callers cache it briefly).
/// Immutable once built; safe to share between threads.
/// </remarks>
internal sealed class ExpositionSnapshot
{
    private readonly Dictionary<string, List<ExpositionSample>> _byName;

    private ExpositionSnapshot(Dictionary<string, List<ExpositionSample>> byName, int count)
    {
        _byName = byName;
        SampleCount = count;
    }

    /// <summary>How many sample lines the exposition had (the worker's series count).</summary>
    public int SampleCount { get; }

    /// <summary>Runs every collector of <paramref name="registry"/> once and reads the result.</summary>
    public static ExpositionSnapshot Capture(MetricsRegistry registry)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        registry.WriteTo(buffer, ExpositionFormat.PrometheusText004);
        return Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Reads a text 0.0.4 exposition as <see cref="MetricsWriter"/> writes it.</summary>
    /// <exception cref="FormatException">A sample line that is not <c>name{labels} value</c>.</exception>
    public static ExpositionSnapshot Parse(string text)
    {
        var byName = new Dictionary<string, List<ExpositionSample>>(StringComparer.Ordinal);
        int count = 0;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            ExpositionSample sample = ParseLine(line);
            if (!byName.TryGetValue(sample.Name, out List<ExpositionSample>? list))
                byName[sample.Name] = list = [];
            list.Add(sample);
            count++;
        }
        return new ExpositionSnapshot(byName, count);
    }

    /// <summary>Whether any sample has this name.</summary>
    public bool Has(string name) => _byName.ContainsKey(name);

    /// <summary>The samples named <paramref name="name"/> (empty when there are none), in exposition order.</summary>
    public IReadOnlyList<ExpositionSample> Samples(string name) =>
        _byName.TryGetValue(name, out List<ExpositionSample>? list) ? list : [];

    /// <summary>
    /// The sum over the samples of <paramref name="name"/> whose labels include every
    /// <paramref name="match"/> pair, as PromQL's <c>sum(name{...})</c>; 0 when none match.
    /// </summary>
    public double Sum(string name, params ReadOnlySpan<(string Label, string Value)> match)
    {
        double sum = 0;
        foreach (ExpositionSample sample in Samples(name))
        {
            if (Matches(sample, match))
                sum += sample.Value;
        }
        return sum;
    }

    /// <summary>Sums of <paramref name="name"/> per value of <paramref name="label"/>, as <c>sum by (label)</c>.</summary>
    public Dictionary<string, double> SumBy(string name, string label, params ReadOnlySpan<(string Label, string Value)> match)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (ExpositionSample sample in Samples(name))
        {
            if (sample.Label(label) is { } value && Matches(sample, match))
                sums[value] = sums.GetValueOrDefault(value) + sample.Value;
        }
        return sums;
    }

    private static bool Matches(ExpositionSample sample, ReadOnlySpan<(string Label, string Value)> match)
    {
        foreach ((string label, string value) in match)
        {
            if (!string.Equals(sample.Label(label), value, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    private static ExpositionSample ParseLine(string line)
    {
        int brace = line.IndexOf('{');
        int space = line.LastIndexOf(' ');
        if (space <= 0)
            throw new FormatException($"Exposition line without a value: '{line}'.");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        string name;
        if (brace > 0 && brace < space)
        {
            name = line[..brace];
            int at = brace + 1;
            while (line[at] != '}')
            {
                int eq = line.IndexOf('=', at);
                string label = line[at..eq];
                if (line[eq + 1] != '"')
                    throw new FormatException($"Exposition label '{label}' without a quoted value: '{line}'.");
                var value = new StringBuilder();
                at = eq + 2;
                for (; line[at] != '"'; at++)
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        value.Append(line[at]);
                    }
                }
                labels[label] = value.ToString();
                at++;
                if (line[at] == ',')
                    at++;
            }
        }
        else
        {
            name = line[..space];
        }
        string number = line[(space + 1)..];
        double parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new ExpositionSample(name, labels, parsed);
    }
}
