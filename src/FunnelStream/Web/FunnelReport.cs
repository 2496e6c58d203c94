using System.Text.Json;
using FunnelStream.Events;
using FunnelStream.Metrics;

namespace FunnelStream.Web;

/// <summary>
/// The body of <c>GET /api/funnel</c>: the funnel, conversions, cost KPIs, active alerts, breakdowns
/// and pipeline health, all taken from one <see cref="ExpositionSnapshot"/> so they are the numbers
/// <c>/metrics</c> serves at that moment (summed over breakdowns the way <c>sum by (stage)</c> does).
/// Field by field in docs/live-page.md.
/// </summary>
internal static class FunnelReport
{
    // Metric names this report reads. The leakage ones belong to the leak detector (issue 7 builds
    // on it); until a collector writes them, "alerts" is simply empty.
    private const string Events = "funnel_events_total";
    private const string Spend = "funnel_spend_total";
    private const string Revenue = "funnel_revenue_total";
    private const string Conversion = "funnel_conversion_ratio";
    private const string LeakActive = "funnel_leakage_active";
    private const string LeakLower = "funnel_conversion_lower_ratio";
    private const string LeakUpper = "funnel_conversion_upper_ratio";

    public static void Write(Utf8JsonWriter json, ExpositionSnapshot snapshot, FunnelDefinition funnel, IReadOnlyList<TimeSpan> rollingWindows,
        string currency, DateTimeOffset now)
    {
        var stages = funnel.Stages.Where(s => s != FunnelDefinition.SpendStageName).ToArray();
        Dictionary<string, double> counts = snapshot.SumBy(Events, "stage");
        var totals = new FunnelTotals(stages.ToDictionary(s => s, s => counts.GetValueOrDefault(s)), snapshot.Sum(Spend), snapshot.Sum(Revenue),
            (metric, window) => snapshot.Samples(metric).FirstOrDefault(s => s.Label("window") == window)?.Value);

        json.WriteStartObject();
        json.WriteString("time", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        WriteNumber(json, "watermark", snapshot.Samples("funnel_watermark_timestamp_seconds").FirstOrDefault()?.Value);
        json.WriteString("currency", currency);
        json.WriteNumber("spend", totals.Spend);
        json.WriteNumber("revenue", totals.Revenue);

        json.WriteStartArray("stages");
        for (int i = 0; i < stages.Length; i++)
        {
            json.WriteStartObject();
            json.WriteString("stage", stages[i]);
            json.WriteNumber("count", totals.Count(stages[i]) ?? 0);
            json.WriteBoolean("ordered", i < funnel.OrderedCount);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("transitions");
        foreach ((int fromId, int toId) in funnel.AdjacentPairs())
        {
            string from = funnel.Stages[fromId], to = funnel.Stages[toId];
            json.WriteStartObject();
            json.WriteString("from", from);
            json.WriteString("to", to);
            WriteNumber(json, "ratio", FunnelTotals.Ratio(totals.Count(to), totals.Count(from)));
            json.WriteStartObject("windows");
            foreach (TimeSpan window in rollingWindows)
            {
                string label = MetricLabels.Window(window);
                ExpositionSample? rolling = snapshot.Samples(Conversion)
                    .FirstOrDefault(s => s.Label("from") == from && s.Label("to") == to && s.Label("window") == label);
                WriteNumber(json, label, rolling?.Value);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("kpis");
        foreach (PageKpi kpi in PageKpi.All)
        {
            json.WriteStartObject();
            json.WriteString("key", kpi.Key);
            json.WriteString("label", kpi.Label);
            json.WriteString("unit", kpi.Unit);
            json.WriteString("formula", kpi.Formula);
            WriteNumber(json, "value", kpi.Value(totals));
            json.WriteEndObject();
        }
        json.WriteEndArray();

        WriteAlerts(json, snapshot);
        WriteBreakdowns(json, snapshot, funnel, stages);

        json.WriteStartObject("pipeline");
        json.WriteNumber("consumed", snapshot.Sum("funnel_consumer_records_total"));
        json.WriteNumber("rejected", snapshot.Sum("funnel_events_rejected_total"));
        json.WriteNumber("late", snapshot.Sum("funnel_events_late_total"));
        json.WriteNumber("duplicates", snapshot.Sum("funnel_events_duplicate_total"));
        json.WriteNumber("deadLettered", snapshot.Sum("funnel_dead_letter_records_total"));
        json.WriteNumber("lag", snapshot.Sum("funnel_consumer_lag_records"));
        json.WriteNumber("assignedPartitions", snapshot.Sum("funnel_consumer_assigned_partitions"));
        json.WriteNumber("series", snapshot.SampleCount);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    // An alert is a funnel_leakage_active series at 1; its bounds are the lower/upper ratio series
    // whose shared labels (from, to, scope, ...) agree with it.
    private static void WriteAlerts(Utf8JsonWriter json, ExpositionSnapshot snapshot)
    {
        json.WriteStartArray("alerts");
        foreach (ExpositionSample alert in snapshot.Samples(LeakActive).Where(s => s.Value >= 1))
        {
            json.WriteStartObject();
            json.WriteString("from", alert.Label("from"));
            json.WriteString("to", alert.Label("to"));
            json.WriteString("scope", alert.Label("scope"));
            json.WriteStartObject("labels");
            foreach ((string name, string value) in alert.Labels)
                json.WriteString(name, value);
            json.WriteEndObject();
            WriteNumber(json, "lower", snapshot.Samples(LeakLower).FirstOrDefault(b => SharedLabelsAgree(alert, b))?.Value);
            WriteNumber(json, "upper", snapshot.Samples(LeakUpper).FirstOrDefault(b => SharedLabelsAgree(alert, b))?.Value);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static bool SharedLabelsAgree(ExpositionSample a, ExpositionSample b) =>
        b.Labels.All(l => a.Label(l.Key) is not { } v || v == l.Value);

    // Per dimension, per value: counts per stage, spend, revenue (sum by (dimension, stage)).
    private static void WriteBreakdowns(Utf8JsonWriter json, ExpositionSnapshot snapshot, FunnelDefinition funnel, string[] stages)
    {
        json.WriteStartObject("breakdowns");
        foreach (string dimension in funnel.Dimensions)
        {
            Dictionary<string, double> spend = snapshot.SumBy(Spend, dimension);
            Dictionary<string, double> revenue = snapshot.SumBy(Revenue, dimension);
            var perStage = stages.ToDictionary(s => s, s => snapshot.SumBy(Events, dimension, ("stage", s)));
            var values = perStage.Values.SelectMany(d => d.Keys).Concat(spend.Keys).Distinct().Order(StringComparer.Ordinal);
            json.WriteStartArray(dimension);
            foreach (string value in values)
            {
                json.WriteStartObject();
                json.WriteString("value", value);
                json.WriteStartObject("counts");
                foreach (string stage in stages)
                    json.WriteNumber(stage, perStage[stage].GetValueOrDefault(value));
                json.WriteEndObject();
                json.WriteNumber("spend", spend.GetValueOrDefault(value));
                json.WriteNumber("revenue", revenue.GetValueOrDefault(value));
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    // JSON has no NaN or infinity: a value that is absent, NaN or infinite is null.
    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
            json.WriteNumber(name, v);
        else
            json.WriteNull(name);
    }
}
