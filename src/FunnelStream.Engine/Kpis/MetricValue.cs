namespace FunnelStream.Engine.Kpis;

/// <summary>What a <see cref="MetricValue"/> holds, which decides how it is written.</summary>
public enum MetricKind : byte
{
    /// <summary>An event count (integer).</summary>
    Count,
    /// <summary>Money in micro-units (written as decimal currency units).</summary>
    Money,
    /// <summary>A KPI (double: a ratio, money per event, ...).</summary>
    Kpi,
}

/// <summary>One named number of a window and breakdown, e.g. <c>events.click</c>, <c>spend</c> or <c>ctr</c>.</summary>
public readonly record struct MetricValue(string Name, MetricKind Kind, long Integer, double Real)
{
    /// <summary>Money as decimal currency units (exact).</summary>
    public decimal Money => Integer / 1_000_000m;
}
