using System.Buffers;
using System.Text.Json;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Encodes a <c>funnel.kpis.rolling</c> record (docs/topics.md): per rolling window, the stage
/// counts over the window ending at the newest event time, and the count-based conversion
/// <c>conversion.&lt;from&gt;.&lt;to&gt;</c> for each adjacent pair with a non-zero <c>from</c> count
/// (the rolling counts hold no money, so money KPIs are only in <c>funnel.kpis</c>). Not thread-safe.
/// </summary>
public sealed class RollingRecordEncoder(FunnelDefinition funnel)
{
    private readonly (int From, int To, string Name)[] _pairs =
        funnel.AdjacentPairs().Select(p => (p.From, p.To, $"conversion.{funnel.Stages[p.From]}.{funnel.Stages[p.To]}")).ToArray();
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    /// <summary>The key: <c>{"window_size_s": N}</c>, so a compacted topic keeps the latest value per rolling window.</summary>
    public byte[] Key(TimeSpan window)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("window_size_s", (long)window.TotalSeconds);
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>The value for <paramref name="perStage"/> counts over <paramref name="window"/> ending at <paramref name="endMs"/>, taken at <paramref name="atMs"/>.</summary>
    public byte[] Value(TimeSpan window, long endMs, long atMs, ReadOnlySpan<long> perStage)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schema", KpiRecordSchema.Rolling);
            json.WriteNumber("window_size_s", (long)window.TotalSeconds);
            json.WriteString("window_end", KpiRecordEncoder.FormatTime(endMs));
            json.WriteString("emitted_at", KpiRecordEncoder.FormatTime(atMs));
            json.WriteStartObject("counts");
            for (int s = 0; s < perStage.Length; s++)
                json.WriteNumber(funnel.Stages[s], perStage[s]);
            json.WriteEndObject();
            json.WriteStartObject("kpis");
            foreach ((int from, int to, string name) in _pairs)
            {
                if (perStage[from] > 0)
                    json.WriteNumber(name, (double)perStage[to] / perStage[from]);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return _buffer.WrittenSpan.ToArray();
    }
}
