namespace FunnelStream.Web;

/// <summary>Counts per stage and money totals of one exposition, over whatever series were summed, and its KPI gauges.</summary>
/// <param name="counts">Count per stage name.</param>
/// <param name="spend">Sum of <c>cost</c>, currency units.</param>
/// <param name="revenue">Sum of <c>amount</c> on <c>won</c>, currency units.</param>
/// <param name="gauge">Reads a gauge sample by metric name and <c>window</c> label (null when absent); <c>null</c> for none.</param>
internal sealed class FunnelTotals(IReadOnlyDictionary<string, double> counts, double spend, double revenue, Func<string, string, double?>? gauge = null)
{
    /// <summary>The count of <paramref name="stage"/>, or null when the funnel has no such stage.</summary>
    public double? Count(string stage) => counts.TryGetValue(stage, out double c) ? c : null;

    /// <summary>Sum of <c>cost</c>, currency units.</summary>
    public double Spend { get; } = spend;

    /// <summary>Sum of <c>amount</c> on <c>won</c>, currency units.</summary>
    public double Revenue { get; } = revenue;

    /// <summary>The value of gauge <paramref name="metric"/> with <c>window="<paramref name="window"/>"</c> in the same exposition, or null when it has no sample.</summary>
    public double? Gauge(string metric, string window) => gauge?.Invoke(metric, window);

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/>, or null when either is missing or the denominator is 0 (spec/kpis.md: no value).</summary>
    public static double? Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d != 0 ? n / d : null;
}
