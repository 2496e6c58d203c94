using FunnelStream.Events;

namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The metrics of one window and breakdown, in output order: <c>events.&lt;stage&gt;</c> for every
/// stage of the funnel (zeros included, so consumers see explicit zeros), <c>spend</c>,
/// <c>revenue</c> (amount of <c>won</c>), then every KPI of the <see cref="KpiCatalog"/> that has a
/// value (a KPI with a zero denominator is omitted). Immutable; thread-safe.
/// </summary>
public sealed class WindowMetrics
{
    private readonly string[] _countNames;
    private readonly int _won;

    public WindowMetrics(FunnelDefinition funnel)
    {
        Funnel = funnel;
        Catalog = new KpiCatalog(funnel);
        _countNames = funnel.Stages.Select(s => $"events.{s}").ToArray();
        _won = funnel.IndexOf("won");
    }

    public FunnelDefinition Funnel { get; }

    public KpiCatalog Catalog { get; }

    /// <summary>Appends the metrics of <paramref name="totals"/> to <paramref name="output"/>.</summary>
    public void Compute(StageTotals totals, List<MetricValue> output)
    {
        for (int s = 0; s < _countNames.Length; s++)
            output.Add(new MetricValue(_countNames[s], MetricKind.Count, totals.Counts[s], 0));
        output.Add(new MetricValue("spend", MetricKind.Money, totals.SpendMicros, 0));
        output.Add(new MetricValue("revenue", MetricKind.Money, _won >= 0 ? totals.AmountsMicros[_won] : 0, 0));
        foreach (Kpi kpi in Catalog.All)
        {
            if (kpi.Evaluate(totals) is double v)
                output.Add(new MetricValue(kpi.Name, MetricKind.Kpi, 0, v));
        }
    }
}
