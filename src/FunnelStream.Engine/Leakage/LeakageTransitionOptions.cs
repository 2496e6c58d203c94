namespace FunnelStream.Engine.Leakage;

/// <summary>One transition a -&gt; b that the <see cref="LeakageDetector"/> watches, with its thresholds.</summary>
/// <remarks>
/// Defaults: count-based evidence, no benchmark, an <see cref="BaselineKind.Ewma"/> baseline, allowed drop 0.25 (a leak is
/// a conversion confidently below 75 % of the baseline). With both a benchmark and a baseline, the
/// higher of the two thresholds applies.
/// </remarks>
public sealed class LeakageTransitionOptions
{
    /// <summary>The upper stage, e.g. <c>mql</c>.</summary>
    public required string From { get; init; }

    /// <summary>The lower stage, e.g. <c>sql</c>.</summary>
    public required string To { get; init; }

    /// <summary>A fixed conversion the transition should reach (0..1), e.g. 0.13 for MQL -&gt; SQL (seed 000); <c>null</c> for none.</summary>
    public double? Benchmark { get; init; }

    /// <summary>The baseline kind; <see cref="BaselineKind.None"/> to use the benchmark only.</summary>
    public BaselineKind Baseline { get; init; } = BaselineKind.Ewma;

    /// <summary>The fraction of the baseline the conversion may lose before it is a leak: threshold = baseline × (1 − AllowedDrop). In (0, 1).</summary>
    public double AllowedDrop { get; init; } = 0.25;

    /// <summary>
    /// Where the evidence comes from. Default <see cref="LeakageRateSource.Count"/>. <see cref="LeakageRateSource.Journey"/>
    /// needs the engine's journey store, an adjacent pair of the ordered funnel and a baseline other than
    /// <see cref="BaselineKind.SameHourLastWeek"/>, and is judged on the total only.
    /// </summary>
    public LeakageRateSource RateSource { get; init; } = LeakageRateSource.Count;
}
