using FunnelStream.Engine.Leakage;

namespace FunnelStream.Configuration;

/// <summary>One watched transition, <c>FunnelStream:Leakage:Transitions:N</c>.</summary>
/// <remarks>Defaults: count-based evidence, no benchmark, <c>Ewma</c> baseline, allowed drop 0.25.</remarks>
public sealed class LeakageTransitionSettings
{
    /// <summary>The upper stage, e.g. <c>mql</c>.</summary>
    public string From { get; set; } = "";

    /// <summary>The lower stage, e.g. <c>sql</c>.</summary>
    public string To { get; set; } = "";

    /// <summary>A fixed conversion the transition should reach, in (0, 1]; unset for none.</summary>
    public double? Benchmark { get; set; }

    /// <summary><c>Ewma</c>, <c>SameHourLastWeek</c> or <c>None</c>.</summary>
    public BaselineKind Baseline { get; set; } = BaselineKind.Ewma;

    /// <summary>threshold = baseline × (1 − AllowedDrop); in (0, 1).</summary>
    public double AllowedDrop { get; set; } = 0.25;

    /// <summary><c>count</c> (default) or <c>journey</c> (mature cohorts of the journey store; needs <c>FunnelStream:Journeys:Enabled</c>).</summary>
    public LeakageRateSource RateSource { get; set; } = LeakageRateSource.Count;
}
