namespace FunnelStream.Kafka.State;

/// <summary>
/// Partitions were lost without a clean hand-over while the engine state held uncommitted effects of
/// their records: the process exits so that a restart resumes from its last checkpoint (docs/reliability.md).
/// </summary>
public sealed class StateLostException(string message) : Exception(message);
