using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// The JSON of <c>funnel.kpis.partials</c> (internal to FunnelStream instances; schema
/// docs/schemas/kpi-partial.schema.json): reports keyed by window, and progress claims. Money
/// stays in exact micro-units so that merged sums equal a single instance's. Not thread-safe.
/// </summary>
public sealed class PartialRecordCodec(FunnelDefinition funnel)
{
    /// <summary>Version of the <c>schema</c> field.</summary>
    public const int Schema = 1;

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <summary>The key of a report: the window (<c>{"window_size_s","window_start"}</c>), so every report of a window lands in one partition.</summary>
    public byte[] WindowKey(long sizeMs, long startMs)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("window_size_s", sizeMs / 1000);
            json.WriteString("window_start", KpiRecordEncoder.FormatTime(startMs));
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a report.</summary>
    public byte[] Encode(PartialReport report)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", Schema);
            json.WriteString("kind", "report");
            json.WriteString("instance", report.Instance);
            json.WriteNumber("sequence", report.Sequence);
            json.WriteNumber("window_size_s", report.SizeMs / 1000);
            json.WriteString("window_start", KpiRecordEncoder.FormatTime(report.StartMs));
            json.WriteBoolean("final", report.Final);
            json.WriteStartArray("breakdowns");
            foreach (PartialBreakdown b in report.Breakdowns)
            {
                json.WriteStartObject();
                json.WriteStartObject("breakdown");
                for (int d = 0; d < funnel.Dimensions.Count; d++)
                    json.WriteString(funnel.Dimensions[d], b.Values[d]);
                json.WriteEndObject();
                json.WriteStartObject("counts");
                for (int s = 0; s < funnel.Stages.Count; s++)
                    json.WriteNumber(funnel.Stages[s], b.Totals.Counts[s]);
                json.WriteEndObject();
                json.WriteStartObject("amounts_micros");
                for (int s = 0; s < funnel.Stages.Count; s++)
                    json.WriteNumber(funnel.Stages[s], b.Totals.AmountsMicros[s]);
                json.WriteEndObject();
                json.WriteNumber("spend_micros", b.Totals.SpendMicros);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a progress claim.</summary>
    public byte[] Encode(PartialProgress progress)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", Schema);
            json.WriteString("kind", "progress");
            json.WriteString("instance", progress.Instance);
            json.WriteStartArray("partitions");
            foreach ((string topic, int partition) in progress.Partitions)
            {
                json.WriteStartObject();
                json.WriteString("topic", topic);
                json.WriteNumber("partition", partition);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("closed_through_ms", progress.ClosedThroughMs);
            json.WriteNumber("flushed_through_ms", progress.FlushedThroughMs);
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record value: a <see cref="PartialReport"/>, a <see cref="PartialProgress"/>, or throws <see cref="FormatException"/>.</summary>
    public object Decode(ReadOnlySpan<byte> value)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(value.ToArray());
            JsonElement v = doc.RootElement;
            if (v.GetProperty("schema").GetInt32() != Schema)
                throw new FormatException($"unknown partial schema {v.GetProperty("schema")}");
            string instance = v.GetProperty("instance").GetString()!;
            switch (v.GetProperty("kind").GetString())
            {
                case "progress":
                    return new PartialProgress(instance,
                        v.GetProperty("partitions").EnumerateArray().Select(p => (p.GetProperty("topic").GetString()!, p.GetProperty("partition").GetInt32())).ToArray(),
                        v.GetProperty("closed_through_ms").GetInt64(), v.GetProperty("flushed_through_ms").GetInt64());
                case "report":
                    var breakdowns = new List<PartialBreakdown>();
                    foreach (JsonElement b in v.GetProperty("breakdowns").EnumerateArray())
                    {
                        var totals = new StageTotals(funnel.Stages.Count);
                        for (int s = 0; s < funnel.Stages.Count; s++)
                        {
                            totals.Counts[s] = b.GetProperty("counts").GetProperty(funnel.Stages[s]).GetInt64();
                            totals.AmountsMicros[s] = b.GetProperty("amounts_micros").GetProperty(funnel.Stages[s]).GetInt64();
                        }
                        totals.SpendMicros = b.GetProperty("spend_micros").GetInt64();
                        breakdowns.Add(new PartialBreakdown(funnel.Dimensions.Select(d => b.GetProperty("breakdown").GetProperty(d).GetString()!).ToArray(), totals));
                    }
                    return new PartialReport(instance, v.GetProperty("sequence").GetInt64(),
                        v.GetProperty("window_size_s").GetInt64() * 1000,
                        DateTimeOffset.Parse(v.GetProperty("window_start").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
                        v.GetProperty("final").GetBoolean(), breakdowns);
                default:
                    throw new FormatException($"unknown partial kind '{v.GetProperty("kind").GetString()}'");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException("not a funnel.kpis.partials record: " + e.Message, e);
        }
    }
}
