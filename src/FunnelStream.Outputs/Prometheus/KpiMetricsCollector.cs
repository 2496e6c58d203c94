using System.Globalization;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// The KPI catalog as gauges over the engine's rolling event-time windows (docs/metrics.md, "KPIs"):
/// each window ends at the minute of the newest event time, and its KPIs are computed by the same
/// <see cref="KpiCatalog"/> as replay, from the window's counts, amounts and spend, with the window of
/// the same size just before it for period-over-period change. Conversion ratios are left to
/// <c>funnel_conversion_ratio</c>. A KPI without a value (zero denominator) has no sample.
/// </summary>
/// <remarks>
/// Families, label sets and the per-window inputs are built once; a scrape allocates nothing of its
/// own. Thread-safe: scrapes serialise on a lock of their own; the engine is read lock-free.
/// </remarks>
public sealed class KpiMetricsCollector : IMetricsCollector
{
    private readonly FunnelEngine _engine;
    private readonly ISalesCycleSource? _salesCycle;
    private readonly TimeSpan[] _windows;
    private readonly long[] _windowMs;
    private readonly LabelSet[] _windowLabels;
    private readonly KpiCatalog _catalog;
    private readonly KpiInputs _inputs;
    private readonly double[] _values;
    private readonly bool[] _hasValue;
    private readonly (MetricFamily Family, (int Kpi, LabelSet[] Labels)[] Series)[] _families;
    private readonly (MetricFamily Family, int Stage)[] _money;
    private readonly long[] _moneyValues;
    private readonly object _scrape = new();

    /// <summary>Creates the collector.</summary>
    /// <param name="engine">The engine whose rolling counts are read.</param>
    /// <param name="rollingWindows">The engine's rolling windows (labels <c>window="5m"</c>, ...).</param>
    /// <param name="options">The KPI constants; validated.</param>
    /// <param name="salesCycle">Mean sales-cycle length for <c>funnel_sales_velocity_per_day</c>; <c>null</c> leaves it without samples.</param>
    public KpiMetricsCollector(FunnelEngine engine, IReadOnlyList<TimeSpan> rollingWindows, KpiOptions options, ISalesCycleSource? salesCycle = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(rollingWindows);
        _engine = engine;
        _salesCycle = salesCycle;
        var funnel = engine.Funnel;
        _catalog = new KpiCatalog(funnel, options);
        _inputs = new KpiInputs(funnel.Stages.Count);
        _windows = rollingWindows.ToArray();
        _windowMs = _windows.Select(w => (long)w.TotalMilliseconds).ToArray();
        _windowLabels = _windows.Select(w => new LabelSet(("window", WindowLabel(w)))).ToArray();
        _values = new double[_windows.Length * _catalog.All.Count];
        _hasValue = new bool[_values.Length];

        var families = new List<(MetricFamily, List<(int, LabelSet[])>)>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < _catalog.All.Count; k++)
        {
            if (Describe(_catalog.All[k]) is not { } described)
                continue;
            (string name, string help, (string, string)? extra) = described;
            if (!byName.TryGetValue(name, out int f))
            {
                byName[name] = f = families.Count;
                families.Add((MetricFamily.Gauge(name, help), []));
            }
            LabelSet[] labels = _windows.Select(w => extra is (string ln, string lv)
                ? new LabelSet((ln, lv), ("window", WindowLabel(w)))
                : new LabelSet(("window", WindowLabel(w)))).ToArray();
            families[f].Item2.Add((k, labels));
        }
        _families = families.Select(f => (f.Item1, f.Item2.ToArray())).ToArray();

        _money = new (string Name, string Stage, string Help)[]
        {
            ("funnel_rolling_spend", "spend", "Sum of cost over the rolling event-time window (spend reports included), in currency units."),
            ("funnel_rolling_revenue", "won", "Sum of amount of won events over the rolling event-time window, in currency units."),
            ("funnel_rolling_expansion_revenue", "expansion", "Sum of amount of expansion events over the rolling event-time window, in currency units."),
            ("funnel_rolling_churned_revenue", "churn", "Sum of amount of churn events over the rolling event-time window, in currency units."),
        }
            .Where(m => m.Stage == "spend" || funnel.IndexOf(m.Stage) >= 0)
            .Select(m => (MetricFamily.Gauge(m.Name, m.Help), m.Stage == "spend" ? -1 : funnel.IndexOf(m.Stage)))
            .ToArray();
        _moneyValues = new long[_money.Length * _windows.Length];
    }

    /// <summary>The families this collector writes, in order (for docs and tests).</summary>
    public IEnumerable<string> FamilyNames => _money.Select(m => m.Family.Name).Concat(_families.Select(f => f.Family.Name));

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            long newest = _engine.NewestEventTimeMs;
            int kpis = _catalog.All.Count;
            Array.Clear(_hasValue);
            if (newest != long.MinValue)
            {
                long endMs = (Math.Max(0, newest) / 60_000 + 1) * 60_000;
                for (int w = 0; w < _windows.Length; w++)
                {
                    _inputs.Clear();
                    _engine.SumRollingTotals(newest, _windows[w], _inputs.Totals);
                    _engine.SumRollingTotals(newest - _windowMs[w], _windows[w], _inputs.Previous);
                    _inputs.HasPrevious = true;
                    _inputs.MeanSalesCycleDays = _salesCycle?.MeanSalesCycleDays(endMs - _windowMs[w], endMs, []);
                    for (int k = 0; k < kpis; k++)
                    {
                        if (_catalog.All[k].Evaluate(_inputs) is double v)
                        {
                            _values[w * kpis + k] = v;
                            _hasValue[w * kpis + k] = true;
                        }
                    }
                    for (int m = 0; m < _money.Length; m++)
                    {
                        int stage = _money[m].Stage;
                        _moneyValues[w * _money.Length + m] = stage < 0 ? _inputs.Totals.SpendMicros : _inputs.Totals.AmountsMicros[stage];
                    }
                }
            }

            for (int m = 0; m < _money.Length; m++)
            {
                writer.BeginFamily(_money[m].Family);
                if (newest == long.MinValue)
                    continue;
                for (int w = 0; w < _windows.Length; w++)
                    writer.Sample(_windowLabels[w], _moneyValues[w * _money.Length + m] / 1_000_000d);
            }
            foreach ((MetricFamily family, (int Kpi, LabelSet[] Labels)[] series) in _families)
            {
                writer.BeginFamily(family);
                foreach ((int k, LabelSet[] labels) in series)
                {
                    for (int w = 0; w < _windows.Length; w++)
                    {
                        if (_hasValue[w * kpis + k])
                            writer.Sample(labels[w], _values[w * kpis + k]);
                    }
                }
            }
        }
    }

    /// <summary>A rolling window as a label: <c>5m</c>, <c>1h</c>, <c>24h</c> (as <c>funnel_conversion_ratio</c> labels it).</summary>
    public static string WindowLabel(TimeSpan window) =>
        window.TotalMinutes % 60 == 0
            ? ((long)window.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
            : ((long)window.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "m";

    /// <summary>The gauge family of a catalog KPI: name, help and an extra label; <c>null</c> for those written elsewhere (conversions).</summary>
    private static (string Name, string Help, (string, string)? Extra)? Describe(Kpi kpi)
    {
        const string Over = " over the rolling event-time window ending at the newest event time";
        if (kpi.Name.StartsWith("conversion.", StringComparison.Ordinal))
            return null;
        if (kpi.Name.StartsWith("cpa.", StringComparison.Ordinal))
            return ("funnel_cost_per_action", "Cost per action spend / count(stage)" + Over + ", in currency units.", ("stage", kpi.Name["cpa.".Length..]));
        return kpi.Name switch
        {
            "ctr" => ("funnel_ctr_ratio", "Click-through rate count(click) / count(impression)" + Over + ".", null),
            "cpm" => ("funnel_cost_per_mille", "Cost per thousand impressions spend / count(impression) * 1000" + Over + ", in currency units.", null),
            "cpc" => ("funnel_cost_per_click", "Cost per click spend / count(click)" + Over + ", in currency units.", null),
            "cpl" => ("funnel_cost_per_lead", "Cost per lead spend / count(lead)" + Over + ", in currency units.", null),
            "cac" => ("funnel_customer_acquisition_cost", "Customer acquisition cost spend / count(won)" + Over + ", in currency units.", null),
            "traffic_to_lead" => ("funnel_traffic_to_lead_ratio", "Traffic-to-lead ratio count(lead) / count(click)" + Over + ".", null),
            "win_rate" => ("funnel_win_ratio", "Win rate count(won) / count(sql)" + Over + ".", null),
            "closed_win_rate" => ("funnel_closed_win_ratio", "Closed win rate count(won) / (count(won) + count(lost))" + Over + ".", null),
            "avg_deal_size" => ("funnel_average_deal_size", "Average deal size revenue / count(won)" + Over + ", in currency units.", null),
            "mroi" => ("funnel_roi_ratio", "Marketing ROI (revenue - COGS - spend) / spend, COGS = revenue * (1 - gross margin)" + Over + ".", null),
            "ltv" => ("funnel_customer_lifetime_value", "Customer lifetime value average deal size * gross margin * expected purchases" + Over + ", in currency units.", null),
            "ltv_cac" => ("funnel_ltv_to_cac_ratio", "LTV / CAC" + Over + ".", null),
            "cac_payback_months" => ("funnel_cac_payback_months", "CAC payback CAC / (average deal size / contract months * gross margin)" + Over + ", in months.", null),
            "sales_velocity_per_day" => ("funnel_sales_velocity_per_day", "Sales velocity count(opportunity) * average deal size * win rate / mean sales cycle days" + Over + ", in currency units per day.", null),
            "revenue_change" => ("funnel_period_change_ratio", "Period-over-period change (this - previous) / previous against the window of the same size just before" + Over + ".", ("metric", "revenue")),
            "deals_change" => ("funnel_period_change_ratio", "Period-over-period change (this - previous) / previous against the window of the same size just before" + Over + ".", ("metric", "deals")),
            "renewal_rate" => ("funnel_renewal_ratio", "Renewal success rate count(renewal) / (count(renewal) + count(churn))" + Over + ".", null),
            "nrr" => ("funnel_net_revenue_retention_ratio", "Net revenue retention (base + expansion amount - churn amount) / base" + Over + ".", null),
            _ => throw new InvalidOperationException($"KPI '{kpi.Name}' has no Prometheus family; add one to {nameof(KpiMetricsCollector)}.{nameof(Describe)}"),
        };
    }
}
