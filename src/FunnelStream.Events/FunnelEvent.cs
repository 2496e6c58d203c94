namespace FunnelStream.Events;

/// <summary>
/// One accepted event as the engine sees it: no strings, only ids, hashes and fixed-point money.
/// </summary>
/// <remarks>
/// Money is in micro-units of the configured currency (1 USD = 1,000,000), exact for every
/// value the contract allows (decimal input is rounded half-away-from-zero to 6 places).
/// Hashes are <see cref="StableHash"/> values, stable across processes and restarts.
/// </remarks>
public struct FunnelEvent
{
    /// <summary>Event time, Unix epoch milliseconds (UTC).</summary>
    public long TimestampMs;
    /// <summary>Hash of the event id (the dedup key).</summary>
    public ulong IdHash;
    /// <summary>Hash of the journey id; 0 when the event has no journey.</summary>
    public ulong JourneyHash;
    /// <summary>Sum of <c>cost</c>, micro-units; 0 when absent.</summary>
    public long CostMicros;
    /// <summary><c>amount</c>, micro-units; 0 when absent.</summary>
    public long AmountMicros;
    /// <summary>Interned breakdown dimension ids (see <see cref="DimensionInterner"/>).</summary>
    public DimensionIds Dimensions;
    /// <summary>Index into <see cref="FunnelDefinition.Stages"/>.</summary>
    public byte Stage;
}
