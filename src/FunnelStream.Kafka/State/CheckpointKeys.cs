namespace FunnelStream.Kafka.State;

/// <summary>The store key of one instance's checkpoint: <c>group/instance</c>.</summary>
public static class CheckpointKeys
{
    public static string For(string groupId, string instanceId) => $"{groupId}/{instanceId}";
}
