namespace FunnelStream.Web;

/// <summary>
/// A cost KPI on the live page: computed from the same counters as <c>/metrics</c> (cumulative
/// since the worker started), with the formula of docs/kpis.md, or read from a KPI gauge of the same
/// exposition where the formula needs configured constants (marketing ROI needs the gross margin).
/// Add one with one line in <see cref="All"/>.
/// </summary>
/// <param name="Key">Stable id in <c>/api/funnel</c> (<c>cpl</c>).</param>
/// <param name="Label">What the page shows (<c>CPL</c>).</param>
/// <param name="Unit"><c>ratio</c> (shown as a percentage) or <c>money</c> (in the configured currency).</param>
/// <param name="Formula">The formula, shown as a tooltip.</param>
/// <param name="Value">The value, or null when a denominator is 0 or a stage is not in the funnel.</param>
internal sealed record PageKpi(string Key, string Label, string Unit, string Formula, Func<FunnelTotals, double?> Value)
{
    public static IReadOnlyList<PageKpi> All { get; } =
    [
        new("ctr", "CTR", "ratio", "clicks / impressions", t => FunnelTotals.Ratio(t.Count("click"), t.Count("impression"))),
        new("cpm", "CPM", "money", "spend / impressions × 1000", t => FunnelTotals.Ratio(t.Spend * 1000, t.Count("impression"))),
        new("cpc", "CPC", "money", "spend / clicks", t => FunnelTotals.Ratio(t.Spend, t.Count("click"))),
        new("cpl", "CPL", "money", "spend / leads", t => FunnelTotals.Ratio(t.Spend, t.Count("lead"))),
        new("cac", "CAC", "money", "spend / won deals", t => FunnelTotals.Ratio(t.Spend, t.Count("won"))),
        new("win_rate", "Win rate", "ratio", "won / SQLs", t => FunnelTotals.Ratio(t.Count("won"), t.Count("sql"))),
        new("avg_deal", "Avg deal", "money", "revenue / won deals", t => FunnelTotals.Ratio(t.Revenue, t.Count("won"))),
        // Marketing ROI applies Kpis:GrossMargin, which the counters do not carry: the page shows the
        // worker's own gauge over the rolling 24 h (null when 24h is not a configured rolling window).
        new("roi", "Marketing ROI (24h)", "ratio", "(revenue − COGS − spend) / spend, COGS = revenue × (1 − gross margin); rolling 24 h", t => t.Gauge("funnel_roi_ratio", "24h")),
    ];
}
