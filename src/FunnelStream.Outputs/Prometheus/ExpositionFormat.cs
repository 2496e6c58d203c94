namespace FunnelStream.Outputs.Prometheus;

/// <summary>The text formats a scrape can be answered in.</summary>
/// <remarks>
/// Pick one per request with <see cref="ExpositionContentType.Negotiate"/> and send
/// <see cref="ExpositionContentType.For"/> as the response's Content-Type.
/// </remarks>
public enum ExpositionFormat
{
    /// <summary>
    /// Prometheus text format 0.0.4 (<c>text/plain; version=0.0.4</c>), the default for every client
    /// that does not ask for OpenMetrics.
    /// </summary>
    PrometheusText004,

    /// <summary>OpenMetrics 1.0.0 text format (<c>application/openmetrics-text; version=1.0.0</c>).</summary>
    OpenMetrics100,
}
