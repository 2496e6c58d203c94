namespace FunnelStream.Engine.Leakage;

/// <summary>
/// Where the <see cref="LeakageDetector"/> reads a transition's evidence. The built-in source is
/// count based (count(b) and count(a) from closed windows). A journey-based source plugs in here:
/// it must answer from mature cohorts only (spec/kpis.md, journey-based conversion; issue 4 item 1),
/// i.e. cohorts whose conversion window (or p95 time-to-convert) has passed, so that a young
/// cohort's still-growing rate never looks like a leak.
/// </summary>
/// <remarks>Called on the engine thread, during an evaluation, with event times that only move forward.</remarks>
public interface IConversionRateSource
{
    /// <summary>The evidence for <paramref name="fromStage"/> -&gt; <paramref name="toStage"/> in <paramref name="scope"/> over [<paramref name="startMs"/>, <paramref name="endMs"/>) of event time.</summary>
    ConversionSample Sample(LeakageScope scope, int fromStage, int toStage, long startMs, long endMs);
}
