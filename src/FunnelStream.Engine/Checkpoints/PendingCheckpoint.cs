using System.Runtime.ExceptionServices;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// A checkpoint begun with <see cref="StateCheckpoint.Begin"/>: every section is written but the last
/// snapshot section (<see cref="ISnapshotCheckpointable"/>), which <see cref="Complete"/> writes.
/// </summary>
public sealed class PendingCheckpoint
{
    private readonly CheckpointBuffer _output;
    private (int LengthAt, ICheckpointSnapshot Snapshot)? _open;
    private ExceptionDispatchInfo? _failure;
    private readonly Lock _lock = new();

    internal PendingCheckpoint(CheckpointBuffer output, (int LengthAt, ICheckpointSnapshot Snapshot)? open)
    {
        _output = output;
        _open = open;
    }

    /// <summary>Whether <see cref="Complete"/> has nothing (more) to do.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_lock)
                return _open is null && _failure is null;
        }
    }

    /// <summary>
    /// Writes the open snapshot section, if any, and fills in its length: then the output holds the
    /// whole checkpoint. Any thread; once done, later calls return at once (or throw what the first one threw).
    /// </summary>
    public void Complete()
    {
        lock (_lock)
        {
            _failure?.Throw();
            if (_open is not { } open)
                return;
            try
            {
                open.Snapshot.Complete();
                StateCheckpoint.EndSection(_output, open.LengthAt);
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                throw;
            }
            finally
            {
                _open = null;
            }
        }
    }
}
