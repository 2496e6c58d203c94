using FunnelStream.Engine.Leakage;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Hosting;

/// <summary>
/// Where the worker's alert records go: one structured log line each (warning when opened, information
/// otherwise), then the Kafka publisher once it exists. Engine thread.
/// </summary>
internal sealed class LeakageAlertRouter(ILogger logger) : ILeakageAlertSink
{
    /// <summary>Receives every record after it is logged; set before ingest starts.</summary>
    public ILeakageAlertSink? Publisher { get; set; }

    public void OnAlert(LeakageAlert alert)
    {
        string attribution = string.Join(",", alert.Attribution.Select(a => $"{a.Dimension}={a.Value}"));
        logger.Log(alert.Kind == LeakageAlertKind.Opened ? LogLevel.Warning : LogLevel.Information,
            "Leakage alert {AlertKind} {From}->{To} scope={Scope} rate_source={RateSource} rate={ObservedRate:F4} lower={Lower:F4} upper={Upper:F4} threshold={Threshold:F4} ({ThresholdKind}) from_events={FromEvents} attribution=[{Attribution}] first_seen={FirstSeen} last_seen={LastSeen} alert_id={AlertId}",
            LeakageAlert.KindName(alert.Kind), alert.From, alert.To, alert.Scope, alert.RateSource, alert.ObservedRate, alert.Lower, alert.Upper,
            alert.Threshold, alert.ThresholdKind, alert.FromEvents, attribution,
            LeakageAlert.Time(alert.FirstSeenMs), LeakageAlert.Time(alert.LastSeenMs), alert.AlertId);
        Publisher?.OnAlert(alert);
    }
}
