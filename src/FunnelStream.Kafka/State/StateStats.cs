namespace FunnelStream.Kafka.State;

/// <summary>Checkpoint counters, for metrics. Written by the pipeline's consumer and engine threads; read from any thread without blocking.</summary>
public sealed class StateStats
{
    private long _checkpoints;
    private long _checkpointFailures;
    private long _checkpointBytes;
    private long _lastCheckpointMs;
    private long _lastCheckpointSize;
    private long _lastSaveMicros;
    private long _restoredBytes;
    private long _captures;
    private long _captureMicros;
    private long _lastCaptureMicros;

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

    /// <summary>Checkpoints captured (saved or not): each paused the engine thread while it wrote the state.</summary>
    public long Captures => Volatile.Read(ref _captures);

    /// <summary>The engine thread's time spent capturing checkpoints, microseconds, in all.</summary>
    public long CaptureMicros => Volatile.Read(ref _captureMicros);

    /// <summary>How long the last capture held the engine thread, microseconds; 0 before the first.</summary>
    public long LastCaptureMicros => Volatile.Read(ref _lastCaptureMicros);

    internal void AddCapture(long micros)
    {
        Interlocked.Increment(ref _captures);
        Interlocked.Add(ref _captureMicros, micros);
        Volatile.Write(ref _lastCaptureMicros, micros);
    }

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
