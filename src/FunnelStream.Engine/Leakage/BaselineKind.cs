namespace FunnelStream.Engine.Leakage;

/// <summary>How a transition's baseline (its own recent conversion) is measured (issue 4, item 1).</summary>
public enum BaselineKind
{
    /// <summary>No baseline threshold: only the benchmark, if one is set, applies.</summary>
    None,

    /// <summary>
    /// An exponentially weighted mean of the transition's conversion per evaluation interval, with the
    /// configured half-life, fed with the intervals as they leave the rolling window (so the data being
    /// judged is never part of its own baseline), and frozen while a leak is open on the scope.
    /// </summary>
    Ewma,

    /// <summary>The conversion over the rolling window that ended exactly one week earlier (same hour, same weekday).</summary>
    SameHourLastWeek,
}
