using System.Globalization;
using System.Text;
using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Replay;

/// <summary>
/// Writes each closed window as replay output: its non-empty breakdowns in ordinal order of their
/// dimension values, each with the metrics of <see cref="WindowMetrics"/>. Keeps each breakdown's
/// totals of the window before, for period-over-period change (windows close oldest first).
/// </summary>
internal sealed class ReplayWindowWriter : IWindowSink
{
    private readonly TextWriter _output;
    private readonly ReplayFormat _format;
    private readonly IReadOnlyList<string> _dimensions;
    private readonly WindowMetrics _metrics;
    private readonly ISalesCycleSource? _salesCycle;
    private readonly KpiInputs _inputs;
    private readonly List<MetricValue> _values = [];
    private StageTotals[] _previous = [];
    private long[] _previousStartMs = [];

    public ReplayWindowWriter(TextWriter output, ReplayFormat format, WindowMetrics metrics, ISalesCycleSource? salesCycle = null)
    {
        _output = output;
        _format = format;
        _metrics = metrics;
        _salesCycle = salesCycle;
        _dimensions = metrics.Funnel.Dimensions;
        _inputs = new KpiInputs(metrics.Funnel.Stages.Count);
        if (format == ReplayFormat.Csv)
            _output.Write($"window_start,window_end,{string.Concat(_dimensions.Select(d => d + ","))}metric,value\n");
    }

    public long Windows { get; private set; }

    public void OnWindowClosed(ClosedWindow window)
    {
        Windows++;
        string start = FormatTime(window.StartMs);
        string end = FormatTime(window.EndMs);
        var slots = new List<(string[] Values, int Slot)>();
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (window.HasEvents(slot))
                slots.Add((Enumerable.Range(0, _dimensions.Count).Select(d => window.DimensionValue(slot, d)).ToArray(), slot));
        }
        slots.Sort((a, b) => CompareValues(a.Values, b.Values));
        EnsurePrevious(window.SlotCount);
        foreach ((string[] values, int slot) in slots)
        {
            _inputs.Clear();
            window.AddTo(slot, _inputs.Totals);
            // The previous window of this size and breakdown; one without events is all zeros.
            _inputs.HasPrevious = true;
            if (_previousStartMs[slot] == window.StartMs - window.SizeMs)
                CopyTotals(_previous[slot], _inputs.Previous);
            _inputs.MeanSalesCycleDays = _salesCycle?.MeanSalesCycleDays(window.StartMs, window.EndMs, values);
            _values.Clear();
            _metrics.Compute(_inputs, _values);
            CopyTotals(_inputs.Totals, _previous[slot]);
            _previousStartMs[slot] = window.StartMs;
            if (_format == ReplayFormat.Csv)
                WriteCsv(start, end, values);
            else
                WriteJson(start, end, values);
        }
    }

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-03-02T08:00:00.000Z</c>.</summary>
    public static string FormatTime(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A metric's value as text: integers plain, money as exact decimal units, KPIs as shortest round-trip doubles.</summary>
    public static string FormatValue(in MetricValue v) => v.Kind switch
    {
        MetricKind.Count => v.Integer.ToString(CultureInfo.InvariantCulture),
        MetricKind.Money => v.Money.ToString("0.######", CultureInfo.InvariantCulture),
        _ => v.Real.ToString("R", CultureInfo.InvariantCulture),
    };

    private void WriteCsv(string start, string end, string[] values)
    {
        var prefix = new StringBuilder();
        prefix.Append(start).Append(',').Append(end).Append(',');
        foreach (string v in values)
            prefix.Append(CsvField(v)).Append(',');
        string p = prefix.ToString();
        foreach (MetricValue v in _values)
        {
            _output.Write(p);
            _output.Write(v.Name);
            _output.Write(',');
            _output.Write(FormatValue(v));
            _output.Write('\n');
        }
    }

    private void WriteJson(string start, string end, string[] values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("window_start", start);
            json.WriteString("window_end", end);
            for (int d = 0; d < values.Length; d++)
                json.WriteString(_dimensions[d], values[d]);
            foreach (MetricValue v in _values)
            {
                switch (v.Kind)
                {
                    case MetricKind.Count: json.WriteNumber(v.Name, v.Integer); break;
                    case MetricKind.Money: json.WriteNumber(v.Name, v.Money); break;
                    default: json.WriteNumber(v.Name, v.Real); break;
                }
            }
            json.WriteEndObject();
        }
        _output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        _output.Write('\n');
    }

    private void EnsurePrevious(int slots)
    {
        int had = _previous.Length;
        if (slots <= had)
            return;
        Array.Resize(ref _previous, slots);
        Array.Resize(ref _previousStartMs, slots);
        for (int i = had; i < slots; i++)
        {
            _previous[i] = new StageTotals(_metrics.Funnel.Stages.Count);
            _previousStartMs[i] = long.MinValue;
        }
    }

    private static void CopyTotals(StageTotals from, StageTotals to)
    {
        from.Counts.CopyTo(to.Counts, 0);
        from.AmountsMicros.CopyTo(to.AmountsMicros, 0);
        to.SpendMicros = from.SpendMicros;
    }

    private static int CompareValues(string[] a, string[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            int c = string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
                return c;
        }
        return 0;
    }

    /// <summary>RFC 4180: quote a field holding a comma, quote, CR or LF, doubling inner quotes.</summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
