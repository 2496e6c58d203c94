namespace FunnelStream.Kafka.State;

/// <summary>Checkpoint counters, for metrics. Written by the pipeline's consumer thread; read from any thread without blocking.</summary>
public sealed class StateStats
{
    private long _checkpoints;
    private long _checkpointFailures;
    private long _checkpointBytes;
    private long _lastCheckpointMs;
    private long _lastCheckpointSize;
    private long _lastSaveMicros;
    private long _restoredBytes;

    /// <summary>Checkpoints made durable.</summary>
    public long Checkpoints => Volatile.Read(ref _checkpoints);

    /// <summary>Checkpoint saves that failed (the offsets they would have committed stay uncommitted until a later one succeeds).</summary>
    public long CheckpointFailures => Volatile.Read(ref _checkpointFailures);

    /// <summary>Bytes of checkpoint data saved.</summary>
    public long CheckpointBytes => Volatile.Read(ref _checkpointBytes);

    /// <summary>The size of the last durable checkpoint, bytes; 0 before the first.</summary>
    public long LastCheckpointSize => Volatile.Read(ref _lastCheckpointSize);

    /// <summary>How long the last save took until durable, microseconds.</summary>
    public long LastSaveMicros => Volatile.Read(ref _lastSaveMicros);

    /// <summary>When the last checkpoint became durable, Unix ms; 0 before the first.</summary>
    public long LastCheckpointMs => Volatile.Read(ref _lastCheckpointMs);

    /// <summary>The size of the checkpoint restored at start-up, bytes; 0 when the state started empty.</summary>
    public long RestoredBytes => Volatile.Read(ref _restoredBytes);

    internal void AddCheckpoint(long bytes, long nowMs, long saveMicros)
    {
        Interlocked.Increment(ref _checkpoints);
        Interlocked.Add(ref _checkpointBytes, bytes);
        Volatile.Write(ref _lastCheckpointSize, bytes);
        Volatile.Write(ref _lastSaveMicros, saveMicros);
        Volatile.Write(ref _lastCheckpointMs, nowMs);
    }

    internal void AddCheckpointFailure() => Interlocked.Increment(ref _checkpointFailures);

    /// <summary>Records the restore at start-up.</summary>
    public void SetRestored(long bytes) => Volatile.Write(ref _restoredBytes, bytes);
}
