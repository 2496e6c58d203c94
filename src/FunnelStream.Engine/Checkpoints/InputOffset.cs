namespace FunnelStream.Engine.Checkpoints;

/// <summary>The next offset to read from one input partition: everything before it is reflected in a checkpoint's state.</summary>
public readonly record struct InputOffset(string Topic, int Partition, long Next);
