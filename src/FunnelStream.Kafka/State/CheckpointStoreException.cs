namespace FunnelStream.Kafka.State;

/// <summary>A checkpoint could not be saved or loaded; the message says why.</summary>
public sealed class CheckpointStoreException(string message, Exception? inner = null) : Exception(message, inner);
