namespace FunnelStream.Engine.State;

/// <summary>The latest spend figure of a <see cref="SpendKey"/>, and where the first report of the key was counted (its time and breakdown slot).</summary>
internal struct SpendFigure
{
    public long CostMicros;
    public long FirstTimestampMs;
    public int Slot;
}
