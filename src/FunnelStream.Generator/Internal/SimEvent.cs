namespace FunnelStream.Generator.Internal;

/// <summary>One valid event of the simulation, before it is written as JSON. -1 means "absent" for every field but the time and stage.</summary>
internal struct SimEvent
{
    public long TimestampMs;
    public Stage Stage;
    public long Journey;
    public int Campaign;
    public int Channel;
    public int Segment;
    public long CostMicros;
    public long AmountMicros;
}
