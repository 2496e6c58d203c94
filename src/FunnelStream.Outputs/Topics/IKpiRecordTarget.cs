namespace FunnelStream.Outputs.Topics;

/// <summary>Where encoded window records go (the Kafka publisher live, a list in tests).</summary>
public interface IKpiRecordTarget
{
    /// <summary>Takes ownership of <paramref name="record"/>. Called on the engine thread; must not block for long.</summary>
    void Publish(KpiRecord record);
}
