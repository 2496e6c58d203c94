namespace FunnelStream.Kafka.EmbeddedBroker;

/// <summary>
/// Kafka protocol request types (the <c>ApiKey</c> of a request header) that
/// <see cref="EmbeddedKafkaBroker.PushRequestErrors"/> can fail.
/// </summary>
/// <remarks>Values are the protocol's, see https://kafka.apache.org/protocol#protocol_api_keys.</remarks>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    InitProducerId = 22,
    OffsetForLeaderEpoch = 23,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    TxnOffsetCommit = 28,
}
