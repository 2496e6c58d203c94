using System.Text;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// A metric family's name, help, type and optional unit, with its metadata lines and sample names
/// encoded once as UTF-8 for each exposition format.
/// </summary>
/// <remarks>
/// <para>
/// Build each family once (e.g. as a collector's field) and begin it on every scrape with
/// <see cref="MetricsWriter.BeginFamily"/>. Immutable and safe to share between threads.
/// </para>
/// <para>
/// Names must match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> and must not begin with an underscore
/// (reserved by OpenMetrics). A counter's name is given without <c>_total</c>: its samples are named
/// <c>&lt;name&gt;_total</c>, and so are its text 0.0.4 <c># HELP</c>/<c># TYPE</c> lines (as
/// Prometheus' own clients write them), while its OpenMetrics metadata names the family itself.
/// With a unit, the name must end in <c>_&lt;unit&gt;</c> (OpenMetrics "Unit"); the unit is written as a
/// <c># UNIT</c> line in OpenMetrics only, since text 0.0.4 has no such line.
/// </para>
/// <para>
/// Metadata order: text 0.0.4 writes HELP then TYPE; OpenMetrics writes TYPE, UNIT, HELP, the order
/// its specification recommends.
/// </para>
/// </remarks>
public sealed class MetricFamily
{
    private readonly double[] _upperBounds;
    private readonly byte[] _textHeader;
    private readonly byte[] _openMetricsHeader;
    private readonly byte[] _sampleName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;
    private readonly byte[][] _bucketLabels;

    private MetricFamily(string name, string help, MetricType type, string? unit, double[] upperBounds)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(help);
        if (!ExpositionText.IsValidMetricName(name))
            throw new ArgumentException($"'{name}' is not a valid metric name: it must match [a-zA-Z_:][a-zA-Z0-9_:]* and not begin with '_'.", nameof(name));
        if (type == MetricType.Counter && name.EndsWith("_total", StringComparison.Ordinal))
            throw new ArgumentException($"Counter '{name}': give the family name without '_total'; the writer appends it to the samples.", nameof(name));
        if (string.IsNullOrWhiteSpace(help))
            throw new ArgumentException($"Metric family '{name}' needs a help text.", nameof(help));
        ExpositionText.RequireValidUnicode(help, $"The help of metric family '{name}'", nameof(help));
        if (unit is not null)
        {
            if (!ExpositionText.IsValidUnit(unit))
                throw new ArgumentException($"'{unit}' is not a valid unit for '{name}': it must be a non-empty run of [a-zA-Z0-9_:].", nameof(unit));
            if (!name.EndsWith("_" + unit, StringComparison.Ordinal))
                throw new ArgumentException($"Metric family '{name}' has unit '{unit}', so its name must end with '_{unit}'.", nameof(name));
        }

        Name = name;
        Help = help;
        Type = type;
        Unit = unit;
        _upperBounds = upperBounds;

        string sampleName = type switch
        {
            MetricType.Counter => name + "_total",
            MetricType.Histogram => name + "_bucket",
            _ => name,
        };
        _sampleName = Encoding.UTF8.GetBytes(sampleName);
        _sumName = type == MetricType.Histogram ? Encoding.UTF8.GetBytes(name + "_sum") : [];
        _countName = type == MetricType.Histogram ? Encoding.UTF8.GetBytes(name + "_count") : [];
        // One canonical le rendering (OpenMetrics "Canonical Numbers": 1.0, 0.005, 1e+06) in both formats,
        // so a bucket series keeps its identity whichever format a scrape negotiates; Prometheus 3
        // normalises text 0.0.4's le="1" to le="1.0" on ingestion for the same reason (its v3
        // migration guide, "le and quantile label values").
        _bucketLabels = new byte[type == MetricType.Histogram ? upperBounds.Length + 1 : 0][];
        for (int i = 0; i < _bucketLabels.Length; i++)
        {
            string le = i < upperBounds.Length ? ExpositionNumbers.CanonicalLe(upperBounds[i]) : "+Inf";
            _bucketLabels[i] = Encoding.UTF8.GetBytes($"le=\"{le}\"}}");
        }

        ClaimedNames = type switch
        {
            // Every sample name the family could produce in OpenMetrics, _created included, so that two
            // families that could clash (a counter "x" and a gauge "x_created") are caught even though
            // this writer never writes _created.
            MetricType.Counter => [name, name + "_total", name + "_created"],
            MetricType.Histogram => [name, name + "_bucket", name + "_count", name + "_sum", name + "_created"],
            _ => [name],
        };

        string typeName = type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            _ => "histogram",
        };
        string textName = type == MetricType.Counter ? sampleName : name;
        var text = new StringBuilder();
        text.Append("# HELP ").Append(textName).Append(' ');
        ExpositionText.AppendEscapedHelp(text, help, ExpositionFormat.PrometheusText004);
        text.Append('\n').Append("# TYPE ").Append(textName).Append(' ').Append(typeName).Append('\n');
        _textHeader = ExpositionText.ToUtf8(text);

        text.Clear();
        text.Append("# TYPE ").Append(name).Append(' ').Append(typeName).Append('\n');
        if (unit is not null)
            text.Append("# UNIT ").Append(name).Append(' ').Append(unit).Append('\n');
        text.Append("# HELP ").Append(name).Append(' ');
        ExpositionText.AppendEscapedHelp(text, help, ExpositionFormat.OpenMetrics100);
        text.Append('\n');
        _openMetricsHeader = ExpositionText.ToUtf8(text);
    }

    /// <summary>A counter family; <paramref name="name"/> without <c>_total</c>.</summary>
    /// <param name="name">The family name, e.g. <c>funnel_events</c> (samples: <c>funnel_events_total</c>).</param>
    /// <param name="help">What the counter counts; required, any text (escaped per format).</param>
    /// <param name="unit">Optional OpenMetrics unit, e.g. <c>dollars</c>; the name must then end in <c>_dollars</c>.</param>
    /// <exception cref="ArgumentException">An invalid name or unit, a name ending in <c>_total</c>, or an empty help.</exception>
    public static MetricFamily Counter(string name, string help, string? unit = null) =>
        new(name, help, MetricType.Counter, unit, []);

    /// <summary>A gauge family.</summary>
    /// <param name="name">The family name, also the sample name.</param>
    /// <param name="help">What the gauge measures; required, any text (escaped per format).</param>
    /// <param name="unit">Optional OpenMetrics unit; the name must then end in <c>_&lt;unit&gt;</c>.</param>
    /// <exception cref="ArgumentException">An invalid name or unit, or an empty help.</exception>
    public static MetricFamily Gauge(string name, string help, string? unit = null) =>
        new(name, help, MetricType.Gauge, unit, []);

    /// <summary>A histogram family with fixed bucket upper bounds.</summary>
    /// <param name="name">The family name, e.g. <c>funnel_lead_to_deal_seconds</c>.</param>
    /// <param name="help">What the histogram measures; required.</param>
    /// <param name="upperBounds">
    /// Inclusive upper bounds, strictly ascending, zero or more and finite; the <c>+Inf</c> bucket is
    /// always added (a trailing <see cref="double.PositiveInfinity"/> is accepted and means the same).
    /// Negative bounds are refused because OpenMetrics then forbids the <c>_sum</c> sample.
    /// </param>
    /// <param name="unit">Optional OpenMetrics unit; the name must then end in <c>_&lt;unit&gt;</c>.</param>
    /// <exception cref="ArgumentException">An invalid name, unit, help or bound.</exception>
    public static MetricFamily Histogram(string name, string help, ReadOnlySpan<double> upperBounds, string? unit = null)
    {
        if (upperBounds.Length > 0 && double.IsPositiveInfinity(upperBounds[^1]))
            upperBounds = upperBounds[..^1];
        for (int i = 0; i < upperBounds.Length; i++)
        {
            double bound = upperBounds[i];
            if (!double.IsFinite(bound) || bound < 0)
                throw new ArgumentException($"Histogram '{name}' bound {bound} at index {i}: bounds must be finite and zero or more (only the last may be +Inf).", nameof(upperBounds));
            if (i > 0 && bound <= upperBounds[i - 1])
                throw new ArgumentException($"Histogram '{name}' bound {bound} at index {i} is not above the one before it: bounds must be strictly ascending.", nameof(upperBounds));
        }
        return new(name, help, MetricType.Histogram, unit, upperBounds.ToArray());
    }

    /// <summary>The family name as given (for a counter, without <c>_total</c>).</summary>
    public string Name { get; }

    /// <summary>The help text, unescaped.</summary>
    public string Help { get; }

    /// <summary>The family's type.</summary>
    public MetricType Type { get; }

    /// <summary>The OpenMetrics unit, or null when the family has none.</summary>
    public string? Unit { get; }

    /// <summary>A histogram's upper bounds without <c>+Inf</c>; empty for other types.</summary>
    public ReadOnlySpan<double> UpperBounds => _upperBounds;

    /// <summary>
    /// How many bucket counts <see cref="MetricsWriter.HistogramSample"/> takes: the upper bounds plus
    /// the <c>+Inf</c> bucket; zero for other types.
    /// </summary>
    public int BucketCount => _bucketLabels.Length;

    /// <summary>Every sample name the family may occupy in an exposition, for clash detection.</summary>
    internal string[] ClaimedNames { get; }

    /// <summary>The metadata lines for <paramref name="format"/>, each ending in a line feed.</summary>
    internal ReadOnlySpan<byte> Header(ExpositionFormat format) =>
        format == ExpositionFormat.OpenMetrics100 ? _openMetricsHeader : _textHeader;

    /// <summary><c>name_total</c>, <c>name</c> or <c>name_bucket</c> for counters, gauges and histograms.</summary>
    internal ReadOnlySpan<byte> SampleName => _sampleName;

    internal ReadOnlySpan<byte> SumName => _sumName;

    internal ReadOnlySpan<byte> CountName => _countName;

    /// <summary>The bytes <c>le="&lt;bound&gt;"}</c> of bucket <paramref name="bucket"/>; the last is <c>+Inf</c>.</summary>
    internal ReadOnlySpan<byte> BucketLabel(int bucket) => _bucketLabels[bucket];

    /// <inheritdoc/>
    public override string ToString() => $"{Type.ToString().ToLowerInvariant()} {Name}";
}
