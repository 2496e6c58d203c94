namespace FunnelStream.Engine.Kpis;

/// <summary>
/// What the KPIs of one window and breakdown are computed from: its totals, the totals of the
/// previous window of the same size and breakdown (for period-over-period change) and the mean
/// sales-cycle length. Mutable and reusable, so that computing KPIs allocates nothing; not thread-safe.
/// </summary>
public sealed class KpiInputs(int stageCount)
{
    /// <summary>This window's totals.</summary>
    public StageTotals Totals { get; } = new(stageCount);

    /// <summary>The previous window's totals (zeros when it had no events).</summary>
    public StageTotals Previous { get; } = new(stageCount);

    /// <summary>Whether <see cref="Previous"/> is known; when not, period-over-period change has no value.</summary>
    public bool HasPrevious { get; set; }

    /// <summary>Mean sales-cycle length in days, from an <see cref="ISalesCycleSource"/>; <c>null</c> when unknown.</summary>
    public double? MeanSalesCycleDays { get; set; }

    /// <summary>Zeros both totals and forgets the previous window and the sales cycle.</summary>
    public void Clear()
    {
        Totals.Clear();
        Previous.Clear();
        HasPrevious = false;
        MeanSalesCycleDays = null;
    }
}
