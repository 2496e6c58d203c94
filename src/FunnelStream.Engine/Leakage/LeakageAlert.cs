using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FunnelStream.Engine.Leakage;

/// <summary>
/// One alert lifecycle record (opened, updated, resolved). Every record of one alert carries the same
/// <see cref="AlertId"/>, which is the Kafka key on <c>funnel.alerts</c>. Times are event time, epoch ms.
/// Immutable.
/// </summary>
public sealed class LeakageAlert
{
    /// <summary>Which lifecycle step this is.</summary>
    public required LeakageAlertKind Kind { get; init; }

    /// <summary><c>FROM-&gt;TO|SCOPE|FIRST_SEEN</c>, e.g. <c>mql-&gt;sql|total|2026-03-04T10:05:00.000Z</c>: the same for every record of one alert.</summary>
    public required string AlertId { get; init; }

    public required string From { get; init; }

    public required string To { get; init; }

    /// <summary>The scope label: <c>total</c> or <c>dimension=value</c>.</summary>
    public required string Scope { get; init; }

    /// <summary>The breakdown dimension of the scope, <c>null</c> for the total.</summary>
    public string? Dimension { get; init; }

    /// <summary>The breakdown value of the scope, <c>null</c> for the total.</summary>
    public string? Value { get; init; }

    /// <summary>Where the evidence came from: <c>count</c> (closed-window counts) or <c>journey</c> (mature cohorts).</summary>
    public required string RateSource { get; init; }

    /// <summary>a-events in the rolling window at this evaluation.</summary>
    public required long FromEvents { get; init; }

    /// <summary>b-events in the rolling window at this evaluation.</summary>
    public required long ToEvents { get; init; }

    /// <summary>ToEvents / FromEvents.</summary>
    public required double ObservedRate { get; init; }

    public required double Lower { get; init; }

    public required double Upper { get; init; }

    /// <summary>The interval's confidence, e.g. 0.95.</summary>
    public required double Confidence { get; init; }

    /// <summary>The effective threshold the upper bound is compared with.</summary>
    public required double Threshold { get; init; }

    /// <summary><c>benchmark</c> or <c>baseline</c>: which threshold was the higher one.</summary>
    public required string ThresholdKind { get; init; }

    /// <summary>The configured benchmark, if any.</summary>
    public double? Benchmark { get; init; }

    /// <summary>The baseline rate, if established.</summary>
    public double? Baseline { get; init; }

    /// <summary><c>ewma</c>, <c>same_hour_last_week</c> or <c>none</c>.</summary>
    public required string BaselineKind { get; init; }

    /// <summary>Breakdown values that explain the total's drop (empty for a breakdown scope's own alert).</summary>
    public required IReadOnlyList<AttributionEntry> Attribution { get; init; }

    /// <summary>When the leak was first declared (the end of the evaluation interval).</summary>
    public required long FirstSeenMs { get; init; }

    /// <summary>The latest evaluation at which the bound was still below the threshold.</summary>
    public required long LastSeenMs { get; init; }

    /// <summary>The evaluation (end of interval, event time) that produced this record; for a resolved record, when it resolved.</summary>
    public required long EvaluatedAtMs { get; init; }

    // Records go to Kafka and files, never into HTML: '>' in an alert id stays '>'.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The record as one line of compact JSON (UTF-8, no trailing newline); field names in snake_case, times RFC 3339 UTC with ms.</summary>
    public byte[] ToJsonUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            WriteJson(json);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The record's JSON as a string.</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToJsonUtf8());

    /// <summary>Writes the record as one JSON object.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("kind", KindName(Kind));
        json.WriteString("alert_id", AlertId);
        json.WriteString("from", From);
        json.WriteString("to", To);
        json.WriteString("scope", Scope);
        WriteStringOrNull(json, "dimension", Dimension);
        WriteStringOrNull(json, "value", Value);
        json.WriteString("rate_source", RateSource);
        json.WriteNumber("from_events", FromEvents);
        json.WriteNumber("to_events", ToEvents);
        WriteNumber(json, "observed_rate", ObservedRate);
        WriteNumber(json, "lower", Lower);
        WriteNumber(json, "upper", Upper);
        WriteNumber(json, "confidence", Confidence);
        WriteNumber(json, "threshold", Threshold);
        json.WriteString("threshold_kind", ThresholdKind);
        WriteNumber(json, "benchmark", Benchmark);
        WriteNumber(json, "baseline", Baseline);
        json.WriteString("baseline_kind", BaselineKind);
        json.WriteString("first_seen", Time(FirstSeenMs));
        json.WriteString("last_seen", Time(LastSeenMs));
        json.WriteString("evaluated_at", Time(EvaluatedAtMs));
        json.WriteStartArray("attribution");
        foreach (AttributionEntry a in Attribution)
        {
            json.WriteStartObject();
            json.WriteString("dimension", a.Dimension);
            json.WriteString("value", a.Value);
            json.WriteNumber("from_events", a.FromEvents);
            json.WriteNumber("to_events", a.ToEvents);
            WriteNumber(json, "rate", a.Rate);
            WriteNumber(json, "expected_rate", a.ExpectedRate);
            WriteNumber(json, "shortfall", a.Shortfall);
            WriteNumber(json, "share", a.Share);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>opened</c>, <c>updated</c> or <c>resolved</c>.</summary>
    public static string KindName(LeakageAlertKind kind) => kind switch
    {
        LeakageAlertKind.Opened => "opened",
        LeakageAlertKind.Updated => "updated",
        _ => "resolved",
    };

    /// <summary>RFC 3339 UTC with milliseconds.</summary>
    public static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
            json.WriteNull(name);
        else
            json.WriteString(name, value);
    }

    // JSON has no NaN: a ratio without a value is null (spec/kpis.md).
    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
            json.WriteNumber(name, Math.Round(v, 6));
        else
            json.WriteNull(name);
    }
}
