using System.Globalization;

namespace FunnelStream.Metrics;

/// <summary>Label value conventions shared by the collectors.</summary>
internal static class MetricLabels
{
    /// <summary>A rolling window as a label: <c>5m</c>, <c>1h</c>, <c>24h</c>.</summary>
    public static string Window(TimeSpan window) =>
        window.TotalMinutes % 60 == 0
            ? ((long)window.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
            : ((long)window.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "m";

    /// <summary>Money in micro-units as currency units.</summary>
    public static double Money(long micros) => micros / 1_000_000d;
}
