namespace FunnelStream.Engine.Leakage;

/// <summary>How a transition's baseline (its own recent conversion) is measured (issue 4, item 1).</summary>
public enum BaselineKind
{
    /// <summary>No baseline threshold: only the benchmark, if one is set, applies.</summary>
    None,

    /// <summary>
    /// An exponentially weighted mean of the transition's conversion per evaluation interval, with the
    /// configured half-life; frozen while a leak is open on the scope, so that a leak never becomes its own baseline.
    /// </summary>
    Ewma,

    /// <summary>The conversion over the rolling window that ended exactly one week earlier (same hour, same weekday).</summary>
    SameHourLastWeek,
}
