namespace FunnelStream.Engine.Leakage;

/// <summary>Where a watched transition's evidence comes from (<see cref="LeakageTransitionOptions.RateSource"/>).</summary>
public enum LeakageRateSource
{
    /// <summary>count(b) / count(a) of the closed windows in the rolling window, per total and per breakdown value.</summary>
    Count,

    /// <summary>
    /// Journey-based: converted / entered summed over the <b>mature</b> entry cohorts of the journey store
    /// that start within <see cref="LeakageOptions.JourneyLookback"/> (issue 4 item 1). Immature cohorts
    /// never count. Total scope only: journeys span breakdowns and the store keeps cohorts per transition,
    /// not per breakdown value.
    /// </summary>
    Journey,
}
