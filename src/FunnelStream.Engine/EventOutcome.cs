namespace FunnelStream.Engine;

/// <summary>What the engine did with an event.</summary>
public enum EventOutcome : byte
{
    /// <summary>Counted in every window it belongs to and in the cumulative counters.</summary>
    Counted,
    /// <summary>An event with the same id was seen within the dedup horizon; not counted again.</summary>
    Duplicate,
    /// <summary>Older than the watermark minus the allowed lateness; not counted, to be dead-lettered.</summary>
    Late,
}
