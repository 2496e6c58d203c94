namespace FunnelStream.Engine.Leakage;

/// <summary>
/// One breakdown value named as a cause of a total's leak: its shortfall (the b-events it should have
/// produced at its expected rate minus the ones it did) and that shortfall's share of the total's.
/// </summary>
/// <param name="Dimension">The dimension, e.g. <c>campaign</c>.</param>
/// <param name="Value">The value, e.g. <c>brand</c>.</param>
/// <param name="FromEvents">Its a-events in the rolling window.</param>
/// <param name="ToEvents">Its b-events in the rolling window.</param>
/// <param name="ExpectedRate">Its own baseline when it has one, otherwise the total's reference rate (baseline or benchmark).</param>
/// <param name="Shortfall">FromEvents × ExpectedRate − ToEvents: missing conversions, positive.</param>
/// <param name="Share">Shortfall / the total's shortfall; the shares of several values of one dimension may add up to more or less than 1 (the others may over- or under-perform).</param>
public sealed record AttributionEntry(string Dimension, string Value, long FromEvents, long ToEvents, double ExpectedRate, double Shortfall, double Share)
{
    /// <summary>ToEvents / FromEvents.</summary>
    public double Rate => FromEvents == 0 ? double.NaN : (double)ToEvents / FromEvents;
}
