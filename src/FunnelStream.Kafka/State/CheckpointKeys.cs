namespace FunnelStream.Kafka.State;

/// <summary>Store keys: an instance's checkpoint, and the hand-over record of one input partition.</summary>
public static class CheckpointKeys
{
    /// <summary>The key of one instance's checkpoint: <c>GROUP/INSTANCE</c> (instance ids contain no <c>/</c>).</summary>
    public static string For(string groupId, string instanceId) => $"{groupId}/{instanceId}";

    /// <summary>The key of one input partition's hand-over record: <c>GROUP/handover/TOPIC/PARTITION</c>.</summary>
    public static string ForPartition(string groupId, string topic, int partition) =>
        $"{groupId}/handover/{topic}/{partition.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
