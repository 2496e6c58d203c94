using System.Globalization;
using System.Text;
using System.Text.Json;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Replay;

/// <summary>
/// Writes the journey metrics of a replay's final <see cref="JourneySnapshot"/> after the window rows
/// (README, "The replay contract"; docs/metrics.md, "Journeys in replay output").
/// </summary>
/// <remarks>
/// <para>Journeys span breakdowns (a lead rarely carries the click's campaign), so journey rows have an
/// empty value in every <c>--by</c> column.</para>
/// <para>First one group per entry cohort, oldest first, with <c>window_start</c>/<c>window_end</c> the
/// cohort's bounds and, for every adjacent pair a → b that has journeys in the cohort, top to bottom:
/// <c>journey.entered.&lt;a&gt;.&lt;b&gt;</c>, <c>journey.converted.&lt;a&gt;.&lt;b&gt;</c>,
/// <c>journey.conversion.&lt;a&gt;.&lt;b&gt;</c> (0-1) and <c>journey.mature.&lt;a&gt;.&lt;b&gt;</c> (1 or 0).
/// Then one summary group over the whole replay (<c>window_start</c>/<c>window_end</c> = the first window's
/// start and the last window's end): per pair the time-to-convert histogram
/// <c>journey.time_to_convert.&lt;a&gt;.&lt;b&gt;.le.&lt;seconds&gt;</c> (cumulative, last <c>le.inf</c>),
/// <c>.sum</c> (seconds) and <c>.count</c>; the same for <c>journey.sales_cycle</c>;
/// <c>journey.stalled.&lt;stage&gt;</c> per stage with an SLA, as of the newest event time;
/// <c>journey.tracked</c>, <c>journey.evictions</c>, <c>journey.expirations</c>.</para>
/// </remarks>
internal sealed class ReplayJourneyWriter
{
    private readonly TextWriter _output;
    private readonly ReplayFormat _format;
    private readonly IReadOnlyList<string> _dimensions;
    private readonly FunnelDefinition _funnel;
    private readonly List<(string Name, string Value)> _row = [];

    public ReplayJourneyWriter(TextWriter output, ReplayFormat format, FunnelDefinition funnel)
    {
        _output = output;
        _format = format;
        _funnel = funnel;
        _dimensions = funnel.Dimensions;
    }

    /// <summary>Writes <paramref name="snapshot"/>; the summary group spans [<paramref name="startMs"/>, <paramref name="endMs"/>).</summary>
    public void Write(JourneySnapshot snapshot, long startMs, long endMs)
    {
        IEnumerable<long> cohortStarts = snapshot.Transitions.SelectMany(t => t.Cohorts.Select(c => c.StartMs)).Distinct().Order();
        foreach (long start in cohortStarts)
        {
            _row.Clear();
            long end = start;
            foreach (TransitionSnapshot t in snapshot.Transitions)
            {
                int i = IndexOf(t.Cohorts, start);
                if (i < 0)
                    continue;
                CohortSnapshot c = t.Cohorts[i];
                end = c.EndMs;
                string pair = Pair(t);
                Add("journey.entered." + pair, c.Entered);
                Add("journey.converted." + pair, c.Converted);
                if (c.Entered > 0)
                    _row.Add(("journey.conversion." + pair, c.Rate.ToString("R", CultureInfo.InvariantCulture)));
                Add("journey.mature." + pair, c.Mature ? 1 : 0);
            }
            Flush(start, end);
        }

        _row.Clear();
        foreach (TransitionSnapshot t in snapshot.Transitions)
            AddHistogram("journey.time_to_convert." + Pair(t), t.TimeToConvert);
        AddHistogram("journey.sales_cycle", snapshot.SalesCycle);
        foreach (StalledStage s in snapshot.Stalled)
            Add("journey.stalled." + _funnel.Stages[s.Stage], s.Count);
        Add("journey.tracked", snapshot.TrackedJourneys);
        Add("journey.evictions", snapshot.Evictions);
        Add("journey.expirations", snapshot.Expirations);
        Flush(startMs, endMs);
    }

    private string Pair(TransitionSnapshot t) => _funnel.Stages[t.FromStage] + "." + _funnel.Stages[t.ToStage];

    private static int IndexOf(IReadOnlyList<CohortSnapshot> cohorts, long start)
    {
        for (int i = 0; i < cohorts.Count; i++)
        {
            if (cohorts[i].StartMs == start)
                return i;
        }
        return -1;
    }

    private void Add(string name, long value) =>
        _row.Add((name, value.ToString(CultureInfo.InvariantCulture)));

    private void AddHistogram(string name, HistogramSnapshot h)
    {
        for (int b = 0; b < h.CumulativeCounts.Count; b++)
        {
            string le = b < h.UpperBoundsSeconds.Count ? h.UpperBoundsSeconds[b].ToString("R", CultureInfo.InvariantCulture) : "inf";
            Add($"{name}.le.{le}", h.CumulativeCounts[b]);
        }
        Add(name + ".sum", h.SumSeconds);
        Add(name + ".count", h.Count);
    }

    private void Flush(long startMs, long endMs)
    {
        if (_row.Count == 0)
            return;
        string start = ReplayWindowWriter.FormatTime(startMs);
        string end = ReplayWindowWriter.FormatTime(endMs);
        if (_format == ReplayFormat.Csv)
        {
            string prefix = start + "," + end + "," + string.Concat(_dimensions.Select(_ => ","));
            foreach ((string name, string value) in _row)
            {
                _output.Write(prefix);
                _output.Write(name);
                _output.Write(',');
                _output.Write(value);
                _output.Write('\n');
            }
            return;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("window_start", start);
            json.WriteString("window_end", end);
            foreach (string d in _dimensions)
                json.WriteString(d, "");
            foreach ((string name, string value) in _row)
            {
                json.WritePropertyName(name);
                json.WriteRawValue(value, skipInputValidation: true);
            }
            json.WriteEndObject();
        }
        _output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        _output.Write('\n');
    }
}
