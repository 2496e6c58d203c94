namespace FunnelStream.Kafka.Ingest;

/// <summary>The engine thread threw (a bug, not bad input): the worker stopped without committing what the failed batch covered.</summary>
public sealed class EngineFailedException(Exception inner) : Exception($"the engine thread failed: {inner.Message}", inner);
