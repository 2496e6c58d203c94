using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Encodes a window and breakdown as a <c>funnel.kpis</c> record (docs/topics.md): the key
/// <c>{"window_size_s", "window_start", "breakdown"}</c> and the value with counts, money and every
/// metric <see cref="WindowMetrics"/> yields. Metrics are taken generically by kind, so a KPI added to
/// the catalog appears in <c>kpis</c> without a change here. Not thread-safe (reuses buffers).
/// </summary>
public sealed class KpiRecordEncoder
{
    private const string CountPrefix = "events.";
    private readonly WindowMetrics _metrics;
    private readonly string _currency;
    private readonly IReadOnlyList<string> _dimensions;
    private readonly List<MetricValue> _values = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <summary>Creates an encoder for <paramref name="metrics"/>' funnel, money in <paramref name="currency"/> (ISO 4217).</summary>
    public KpiRecordEncoder(WindowMetrics metrics, string currency)
    {
        _metrics = metrics;
        _currency = currency;
        _dimensions = metrics.Funnel.Dimensions;
    }

    /// <summary>The key of a window and breakdown: JSON, fields in a fixed order, so equal windows have equal key bytes.</summary>
    public byte[] Key(long sizeMs, long startMs, IReadOnlyList<string> breakdown)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("window_size_s", sizeMs / 1000);
            json.WriteString("window_start", FormatTime(startMs));
            WriteBreakdown(json, breakdown);
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value: the window, breakdown, revision, counts, spend, revenue and KPIs of <paramref name="totals"/>.</summary>
    public byte[] Value(long sizeMs, long startMs, IReadOnlyList<string> breakdown, int revision, bool final, StageTotals totals)
    {
        _values.Clear();
        _metrics.Compute(totals, _values);
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", KpiRecordSchema.Window);
            json.WriteString("window_start", FormatTime(startMs));
            json.WriteString("window_end", FormatTime(startMs + sizeMs));
            json.WriteNumber("window_size_s", sizeMs / 1000);
            WriteBreakdown(json, breakdown);
            json.WriteNumber("revision", revision);
            json.WriteBoolean("final", final);
            json.WriteString("currency", _currency);
            json.WriteStartObject("counts");
            foreach (MetricValue v in _values)
            {
                if (v.Kind == MetricKind.Count)
                    json.WriteNumber(v.Name.StartsWith(CountPrefix, StringComparison.Ordinal) ? v.Name[CountPrefix.Length..] : v.Name, v.Integer);
            }
            json.WriteEndObject();
            decimal spend = 0, revenue = 0;
            foreach (MetricValue v in _values)
            {
                if (v.Kind == MetricKind.Money && v.Name == "spend")
                    spend = v.Money;
                else if (v.Kind == MetricKind.Money && v.Name == "revenue")
                    revenue = v.Money;
            }
            json.WriteNumber("spend", spend);
            json.WriteNumber("revenue", revenue);
            json.WriteStartObject("kpis");
            foreach (MetricValue v in _values)
                WriteOther(json, v);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 3339 UTC with milliseconds, as replay writes it.</summary>
    public static string FormatTime(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Every metric that is not a count, spend or revenue: the catalog's KPIs (and any money metric added later).</summary>
    private static void WriteOther(Utf8JsonWriter json, in MetricValue v)
    {
        switch (v.Kind)
        {
            case MetricKind.Count:
                return;
            case MetricKind.Money:
                if (v.Name is not ("spend" or "revenue"))
                    json.WriteNumber(v.Name, v.Money);
                return;
            default:
                // JSON has no NaN or infinity; a KPI without a finite value is absent, like one without a denominator.
                if (double.IsFinite(v.Real))
                    json.WriteNumber(v.Name, v.Real);
                return;
        }
    }

    private void WriteBreakdown(Utf8JsonWriter json, IReadOnlyList<string> breakdown)
    {
        json.WriteStartObject("breakdown");
        for (int d = 0; d < _dimensions.Count; d++)
            json.WriteString(_dimensions[d], breakdown[d]);
        json.WriteEndObject();
    }
}
