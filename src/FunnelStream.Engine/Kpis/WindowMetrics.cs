using FunnelStream.Events;

namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The metrics of one window and breakdown, in output order: <c>events.&lt;stage&gt;</c> for every
/// stage of the funnel (zeros included, so consumers see explicit zeros), <c>spend</c>,
/// <c>revenue</c> (amount of <c>won</c>), <c>expansion_revenue</c> and <c>churned_revenue</c> (amount of
/// <c>expansion</c> and <c>churn</c>, when the funnel has those stages), then every KPI of the
/// <see cref="KpiCatalog"/> that has a value (a KPI with a zero denominator is omitted). Immutable; thread-safe.
/// </summary>
public sealed class WindowMetrics
{
    private readonly string[] _countNames;
    private readonly int _won;
    private readonly int _expansion;
    private readonly int _churn;

    /// <summary>The metrics of <paramref name="funnel"/>, with <paramref name="options"/> (default <see cref="KpiOptions.Default"/>).</summary>
    public WindowMetrics(FunnelDefinition funnel, KpiOptions? options = null)
    {
        Funnel = funnel;
        Catalog = new KpiCatalog(funnel, options ?? KpiOptions.Default);
        _countNames = funnel.Stages.Select(s => $"events.{s}").ToArray();
        _won = funnel.IndexOf("won");
        _expansion = funnel.IndexOf("expansion");
        _churn = funnel.IndexOf("churn");
    }

    public FunnelDefinition Funnel { get; }

    public KpiCatalog Catalog { get; }

    /// <summary>
    /// Appends the metrics of one window's <paramref name="totals"/> alone: no previous window (so no
    /// period-over-period change) and no sales cycle. Allocates its inputs; prefer the
    /// <see cref="KpiInputs"/> overload on a hot path.
    /// </summary>
    public void Compute(StageTotals totals, List<MetricValue> output)
    {
        var inputs = new KpiInputs(totals.Counts.Length);
        totals.Counts.CopyTo(inputs.Totals.Counts, 0);
        totals.AmountsMicros.CopyTo(inputs.Totals.AmountsMicros, 0);
        inputs.Totals.SpendMicros = totals.SpendMicros;
        Compute(inputs, output);
    }

    /// <summary>Appends the metrics of <paramref name="inputs"/> to <paramref name="output"/>.</summary>
    public void Compute(KpiInputs inputs, List<MetricValue> output)
    {
        StageTotals totals = inputs.Totals;
        for (int s = 0; s < _countNames.Length; s++)
            output.Add(new MetricValue(_countNames[s], MetricKind.Count, totals.Counts[s], 0));
        output.Add(new MetricValue("spend", MetricKind.Money, totals.SpendMicros, 0));
        output.Add(new MetricValue("revenue", MetricKind.Money, _won >= 0 ? totals.AmountsMicros[_won] : 0, 0));
        if (_expansion >= 0)
            output.Add(new MetricValue("expansion_revenue", MetricKind.Money, totals.AmountsMicros[_expansion], 0));
        if (_churn >= 0)
            output.Add(new MetricValue("churned_revenue", MetricKind.Money, totals.AmountsMicros[_churn], 0));
        foreach (Kpi kpi in Catalog.All)
        {
            if (kpi.Evaluate(inputs) is double v)
                output.Add(new MetricValue(kpi.Name, MetricKind.Kpi, 0, v));
        }
    }
}
