namespace FunnelStream.Engine.Leakage;

/// <summary>The evidence for one transition a -&gt; b in one scope and time range: a-events (trials) and b-events (successes).</summary>
/// <param name="FromEvents">Events of a (count based), or journeys that entered a (journey based).</param>
/// <param name="ToEvents">Events of b (count based; may exceed <paramref name="FromEvents"/> in a short window), or of those journeys, the ones that reached b.</param>
public readonly record struct ConversionSample(long FromEvents, long ToEvents)
{
    /// <summary>ToEvents / FromEvents; NaN without a-events (spec/kpis.md: a ratio over zero has no value).</summary>
    public double Rate => FromEvents == 0 ? double.NaN : (double)ToEvents / FromEvents;
}
