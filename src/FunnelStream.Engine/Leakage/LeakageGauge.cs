namespace FunnelStream.Engine.Leakage;

/// <summary>The latest judgement of one transition in one scope, for the gauges (docs/metrics.md, "Leakage").</summary>
/// <param name="Transition">Index into <see cref="LeakageDetector.Transitions"/>.</param>
/// <param name="Scope">The scope.</param>
/// <param name="Active">Whether an alert is open.</param>
/// <param name="FromEvents">a-events in the rolling window.</param>
/// <param name="Rate">Observed conversion (NaN without a-events).</param>
/// <param name="Lower">Lower Wilson bound.</param>
/// <param name="Upper">Upper Wilson bound.</param>
/// <param name="Baseline">The baseline rate, NaN until it is established (or with no baseline configured).</param>
/// <param name="Threshold">The effective threshold, NaN when the transition has none yet.</param>
/// <param name="SampleSufficient">Whether FromEvents reached the configured minimum.</param>
public readonly record struct LeakageGauge(
    int Transition, LeakageScope Scope, bool Active, long FromEvents, double Rate, double Lower, double Upper,
    double Baseline, double Threshold, bool SampleSufficient);
