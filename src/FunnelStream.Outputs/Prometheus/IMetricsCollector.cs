namespace FunnelStream.Outputs.Prometheus;

/// <summary>Writes a part of the exposition on every scrape.</summary>
/// <remarks>
/// <para>
/// <see cref="Collect"/> is called once per scrape, and may be called by several scrapes at the same
/// time, each with its own <see cref="MetricsWriter"/>: read shared state in a thread-safe way and
/// keep no per-scrape state in the collector.
/// </para>
/// <para>
/// Write each family whole: <see cref="MetricsWriter.BeginFamily"/> followed by all of its samples.
/// OpenMetrics forbids interleaving families, so writing a family name that this or another collector
/// has already written in the same exposition throws. Do not call <see cref="MetricsWriter.Finish"/>:
/// <see cref="MetricsRegistry"/> does that after the last collector.
/// </para>
/// </remarks>
public interface IMetricsCollector
{
    /// <summary>
    /// Writes this collector's families and samples to <paramref name="writer"/>, which is valid only
    /// until this call returns (writers are reused by later scrapes).
    /// </summary>
    void Collect(MetricsWriter writer);
}
