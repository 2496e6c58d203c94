using System.Buffers;
using System.Diagnostics;
using FunnelStream.Engine.Checkpoints;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.State;

/// <summary>
/// Saves and restores this instance's checkpoint: the state of every registered component and the
/// input offsets it reflects, under the key <c>group/instance</c> (docs/reliability.md).
/// </summary>
/// <remarks>
/// Threads: <see cref="Restore"/> once at start-up, before consuming; <see cref="Capture"/> on the
/// engine thread between batches (the components' only writer); <see cref="Save"/> on the consumer
/// thread, which commits the captured offsets only after <see cref="Save"/> returned true.
/// </remarks>
public sealed class StateCheckpointer : IDisposable
{
    private readonly ICheckpointStore _store;
    private readonly string _groupId;
    private readonly string _instanceId;
    private readonly IReadOnlyList<KeyValuePair<string, ICheckpointable>> _parts;
    private readonly ILogger _logger;
    private readonly long _intervalMs;
    // Capture buffers not in use: one per checkpoint in flight (usually one; a forced capture at a
    // revocation or shutdown may add another), reused so that they keep their size.
    private readonly Stack<CheckpointBuffer> _freeBuffers = new();
    private long _lastCaptureMs = long.MinValue;
    private bool _failing;
    private bool _disposed;

    /// <param name="store">Where checkpoints go.</param>
    /// <param name="groupId">The consumer group: with <paramref name="instanceId"/>, the checkpoint key; with a partition, its hand-over key.</param>
    /// <param name="instanceId">This instance's id in the group.</param>
    /// <param name="parts">The components, by section name; built fresh and not yet fed when <see cref="Restore"/> runs.</param>
    /// <param name="interval">How often <see cref="IsDue"/> says a checkpoint is due.</param>
    /// <param name="stats">Counts saves, failures and bytes (metrics).</param>
    /// <param name="logger">Logs restores and save failures.</param>
    public StateCheckpointer(ICheckpointStore store, string groupId, string instanceId, IReadOnlyList<KeyValuePair<string, ICheckpointable>> parts,
        TimeSpan interval, StateStats stats, ILogger logger)
    {
        _store = store;
        _groupId = groupId;
        _instanceId = instanceId;
        Key = CheckpointKeys.For(groupId, instanceId);
        _parts = parts;
        _intervalMs = (long)interval.TotalMilliseconds;
        Stats = stats;
        _logger = logger;
    }

    /// <summary>The store key of this instance's checkpoint.</summary>
    public string Key { get; }

    /// <summary>This instance's id in the group.</summary>
    public string InstanceId => _instanceId;

    public StateStats Stats { get; }

    /// <summary>A description of the store, for logs.</summary>
    public string StoreDescription => _store.Description;

    /// <summary>
    /// Loads this instance's latest checkpoint, if any, into the components and returns the offsets it
    /// reflects (empty when there is none: the state starts empty). Throws
    /// <see cref="StateRestoreException"/> when a checkpoint exists but cannot be used, naming the key
    /// and store: counting on from empty state would silently lose what it held.
    /// </summary>
    public IReadOnlyList<InputOffset> Restore()
    {
        IReadOnlyDictionary<string, byte[]> found;
        try
        {
            found = _store.Load([Key]);
        }
        catch (CheckpointStoreException e)
        {
            throw new StateRestoreException($"could not read the checkpoint '{Key}' from {_store.Description}: {e.Message}", e);
        }
        if (!found.TryGetValue(Key, out byte[]? data))
        {
            _logger.LogInformation("No checkpoint '{Key}' in {Store}: starting from empty state at the group's committed offsets", Key, _store.Description);
            return [];
        }
        IReadOnlyList<InputOffset> offsets;
        try
        {
            offsets = StateCheckpoint.Restore(data, _parts);
        }
        catch (InvalidDataException e)
        {
            throw new StateRestoreException(
                $"the checkpoint '{Key}' in {_store.Description} cannot be restored: {e.Message}. "
                + "Nothing was consumed. Fix the cause, or start from empty state with another FunnelStream:State:InstanceId (see docs/reliability.md)", e);
        }
        Stats.SetRestored(data.Length);
        _logger.LogInformation("Restored checkpoint '{Key}' from {Store} ({Bytes} bytes): resuming {Partitions}",
            Key, _store.Description, data.Length, string.Join(", ", offsets.Select(o => $"{o.Topic} [{o.Partition}] @{o.Next}")));
        return offsets;
    }

    /// <summary>How many intervals an unchanged state goes without a checkpoint: it is rewritten that often
    /// anyway, so that on a topic with time-based retention the latest checkpoint is never the oldest.</summary>
    public const int UnchangedRewriteIntervals = 60;

    /// <summary>
    /// Whether a checkpoint is due: the interval has passed since the last capture and the state took
    /// input since (<paramref name="changed"/>), or <see cref="UnchangedRewriteIntervals"/> intervals
    /// have passed. An idle instance does not rewrite a large, unchanged state every interval. Engine thread.
    /// </summary>
    public bool IsDue(long nowMs, bool changed) =>
        _lastCaptureMs == long.MinValue
        || (changed && nowMs - _lastCaptureMs >= _intervalMs)
        || nowMs - _lastCaptureMs >= UnchangedRewriteIntervals * _intervalMs;

    /// <summary>
    /// Writes the components' state and <paramref name="offsets"/> into a new checkpoint. Engine thread,
    /// between batches. Its bytes are in one of this checkpointer's capture buffers, reused from one
    /// capture to the next, in native memory (<see cref="CheckpointBuffer"/>: growing to a large state's
    /// size costs no large-object-heap allocations): <see cref="Save"/> gives the buffer back.
    /// Snapshot sections (the dedup set, the bulk of a busy instance's checkpoint) are only begun here
    /// and written on a pool thread right away, while the engine counts on
    /// (<see cref="StateCheckpoint.Begin"/>); <see cref="StateStats.CaptureMicros"/> is the engine's part.
    /// </summary>
    public CapturedCheckpoint Capture(IReadOnlyCollection<InputOffset> offsets, long nowMs)
    {
        _lastCaptureMs = nowMs;
        long started = Stopwatch.GetTimestamp();
        CheckpointBuffer buffer;
        lock (_freeBuffers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            buffer = _freeBuffers.Count > 0 ? _freeBuffers.Pop() : new CheckpointBuffer();
        }
        buffer.ResetWrittenCount();
        PendingCheckpoint pending = StateCheckpoint.Begin(buffer, offsets, _parts); // sections in place: no second buffer the size of the dedup set
        var captured = new CapturedCheckpoint(buffer, pending, GiveBack);
        Stats.AddCapture((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        if (!pending.IsComplete)
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.CompleteInBackground(), captured, preferLocal: false);
        return captured;
    }

    private void GiveBack(CheckpointBuffer buffer)
    {
        lock (_freeBuffers)
        {
            if (_disposed)
                ((IDisposable)buffer).Dispose();
            else
                _freeBuffers.Push(buffer);
        }
    }

    /// <summary>
    /// Frees the capture buffers (native memory) not in use; one still held by a capture is freed when
    /// given back. After the pipeline stopped: no capture may follow.
    /// </summary>
    public void Dispose()
    {
        lock (_freeBuffers)
        {
            _disposed = true;
            while (_freeBuffers.TryPop(out CheckpointBuffer? buffer))
                ((IDisposable)buffer).Dispose();
        }
    }

    /// <summary>
    /// Saves a captured checkpoint and, for each partition in <paramref name="owned"/> (the ones this
    /// instance owns at the time of the save), its hand-over record; true once all are durable. On
    /// failure it logs (once per run of failures) and returns false. Either way the capture's buffer is
    /// given back for reuse: save each capture once. Consumer thread.
    /// </summary>
    public bool Save(CapturedCheckpoint data, IEnumerable<InputOffset> owned, long nowMs)
    {
        long started = Stopwatch.GetTimestamp();
        ReadOnlyMemory<byte> bytes;
        try
        {
            bytes = data.Memory; // waits for the snapshot sections, written on a pool thread since the capture
        }
        catch (InvalidOperationException e)
        {
            data.Return();
            Stats.AddCheckpointFailure();
            _logger.LogError(e, "Checkpoint '{Key}' could not be written: {Reason}. Offsets stay uncommitted until a checkpoint is saved", Key, e.Message);
            return false;
        }
        var entries = new List<KeyValuePair<string, ReadOnlyMemory<byte>>> { new(Key, bytes) };
        foreach (InputOffset offset in owned)
            entries.Add(new(CheckpointKeys.ForPartition(_groupId, offset.Topic, offset.Partition), new HandoverRecord(offset.Next, _instanceId).ToBytes()));
        try
        {
            _store.Save(entries);
        }
        catch (CheckpointStoreException e)
        {
            data.Return();
            Stats.AddCheckpointFailure();
            if (!_failing)
                _logger.LogError("Checkpoint '{Key}' not saved to {Store}: {Reason}. Offsets stay uncommitted until a checkpoint is saved", Key, _store.Description, e.Message);
            _failing = true;
            return false;
        }
        data.Return();
        if (_failing)
            _logger.LogWarning("Checkpoints saved to {Store} again", _store.Description);
        _failing = false;
        Stats.AddCheckpoint(bytes.Length, nowMs, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        return true;
    }

    /// <summary>
    /// The latest checkpoint of another instance of the group, or <c>null</c> when it has none: a
    /// partition's previous owner, whose remembered ids the next owner imports. Consumer thread, on assignment.
    /// </summary>
    /// <exception cref="CheckpointStoreException">The store cannot be read.</exception>
    public byte[]? LoadCheckpointOf(string instanceId)
    {
        string key = CheckpointKeys.For(_groupId, instanceId);
        return _store.Load([key]).TryGetValue(key, out byte[]? data) ? data : null;
    }

    /// <summary>
    /// The latest hand-over record of each of <paramref name="partitions"/> that has one: where the
    /// partition's last owner's durable state ends. Consumer thread, on assignment.
    /// </summary>
    /// <exception cref="CheckpointStoreException">The store cannot be read.</exception>
    public Dictionary<(string Topic, int Partition), HandoverRecord> Handovers(IReadOnlyCollection<(string Topic, int Partition)> partitions)
    {
        var keys = partitions.ToDictionary(p => CheckpointKeys.ForPartition(_groupId, p.Topic, p.Partition), p => p);
        var found = new Dictionary<(string Topic, int Partition), HandoverRecord>();
        foreach ((string key, byte[] value) in _store.Load(keys.Keys))
        {
            if (HandoverRecord.From(value) is { } record)
                found[keys[key]] = record;
        }
        return found;
    }
}
