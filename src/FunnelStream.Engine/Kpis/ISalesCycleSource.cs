namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The mean sales-cycle length that <c>sales_velocity_per_day</c> divides by, provided by the journey
/// computation (spec/kpis.md, "sales cycle length": ts(won) - ts(first lead) per journey). Without a
/// source, sales velocity has no value.
/// </summary>
/// <remarks>
/// Called on the thread that computes KPIs: the replay thread for closed windows, the scrape thread
/// for the rolling Prometheus windows; an implementation shared by both must be thread-safe.
/// </remarks>
public interface ISalesCycleSource
{
    /// <summary>
    /// The mean sales-cycle length, in days, of the journeys won in the event-time window
    /// [<paramref name="startMs"/>, <paramref name="endMs"/>) within <paramref name="breakdown"/>; <c>null</c>
    /// when no journey was won there (or it is not known).
    /// </summary>
    /// <param name="startMs">Window start, epoch ms (inclusive).</param>
    /// <param name="endMs">Window end, epoch ms (exclusive).</param>
    /// <param name="breakdown">The breakdown's dimension values in the order of the funnel's dimensions being reported; empty for totals.</param>
    double? MeanSalesCycleDays(long startMs, long endMs, IReadOnlyList<string> breakdown);
}
