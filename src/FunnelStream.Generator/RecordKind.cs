namespace FunnelStream.Generator;

/// <summary>What the generator meant a <see cref="GeneratedRecord"/> to be, so tests know what was injected.</summary>
public enum RecordKind : byte
{
    /// <summary>A valid event, first (and only original) emission, in order up to <see cref="TrafficOptions.OutOfOrderJitter"/>.</summary>
    Valid,

    /// <summary>A re-send of an earlier <see cref="Valid"/> or <see cref="Late"/> record: the same key and the same value bytes.</summary>
    Duplicate,

    /// <summary>
    /// A valid event whose only original emission is delayed by <see cref="TrafficOptions.LateDelayMin"/>
    /// to <see cref="TrafficOptions.LateDelayMax"/> after its event time: meant to be behind the
    /// watermark by more than a 5-minute allowed lateness (whether it is depends on the traffic around it).
    /// </summary>
    Late,

    /// <summary>A malformed record that the contract rejects (invalid or truncated JSON, missing id, unknown type, negative cost, bad ts, ...).</summary>
    Bad,
}
