namespace FunnelStream.Kafka.State;

/// <summary>A checkpoint exists but cannot be restored; the worker stops rather than silently count from zero. The message names the key, the store and the reason.</summary>
public sealed class StateRestoreException(string message, Exception inner) : Exception(message, inner);
