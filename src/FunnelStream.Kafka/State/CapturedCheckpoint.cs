using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Kafka.State;

/// <summary>
/// A checkpoint captured by <see cref="StateCheckpointer.Capture"/>: its bytes in one of the
/// checkpointer's capture buffers (native memory), which keep their size from one capture to the next.
/// Its snapshot sections (the dedup set) are written on a pool thread after the capture; reading
/// <see cref="Memory"/> or <see cref="Length"/> waits for them (or writes them, if not started).
/// <see cref="StateCheckpointer.Save"/> gives the buffer back; do not use the bytes after that.
/// </summary>
public sealed class CapturedCheckpoint
{
    private CheckpointBuffer? _buffer;
    private readonly PendingCheckpoint _pending;
    private readonly Action<CheckpointBuffer> _giveBack;

    internal CapturedCheckpoint(CheckpointBuffer buffer, PendingCheckpoint pending, Action<CheckpointBuffer> giveBack)
    {
        _buffer = buffer;
        _pending = pending;
        _giveBack = giveBack;
    }

    /// <summary>The checkpoint's length in bytes, once complete.</summary>
    public int Length
    {
        get
        {
            CheckpointBuffer buffer = Buffer;
            _pending.Complete();
            return buffer.WrittenCount;
        }
    }

    /// <summary>The checkpoint's bytes, once complete. Throws once given back, or what completing the snapshot sections threw.</summary>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            CheckpointBuffer buffer = Buffer;
            _pending.Complete();
            return buffer.WrittenMemory;
        }
    }

    private CheckpointBuffer Buffer =>
        _buffer ?? throw new ObjectDisposedException(nameof(CapturedCheckpoint), "the checkpoint was saved and its buffer given back");

    /// <summary>Writes the snapshot sections on the calling thread (a pool thread, right after the capture); a failure is thrown again to the reader of <see cref="Memory"/>.</summary>
    internal void CompleteInBackground()
    {
        try
        {
            _pending.Complete();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Kept by the pending checkpoint and thrown to whoever reads the bytes (the save, which logs it).
        }
    }

    /// <summary>Gives the buffer back for the next capture (once; later calls do nothing). The snapshot sections are complete by then.</summary>
    internal void Return()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            _giveBack(buffer);
    }
}
