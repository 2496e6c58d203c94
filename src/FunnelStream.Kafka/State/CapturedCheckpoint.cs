using System.Buffers;

namespace FunnelStream.Kafka.State;

/// <summary>
/// A checkpoint captured by <see cref="StateCheckpointer.Capture"/>: its bytes in one of the
/// checkpointer's capture buffers, which keep their size from one capture to the next (a large state
/// would otherwise be fresh large-object-heap memory every interval, collected only in gen 2).
/// <see cref="StateCheckpointer.Save"/> gives the buffer back; do not use the bytes after that.
/// </summary>
public sealed class CapturedCheckpoint
{
    private ArrayBufferWriter<byte>? _buffer;
    private readonly Action<ArrayBufferWriter<byte>> _giveBack;

    internal CapturedCheckpoint(ArrayBufferWriter<byte> buffer, Action<ArrayBufferWriter<byte>> giveBack)
    {
        _buffer = buffer;
        _giveBack = giveBack;
        Length = buffer.WrittenCount;
    }

    /// <summary>The checkpoint's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The checkpoint's bytes. Throws once given back.</summary>
    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(CapturedCheckpoint), "the checkpoint was saved and its buffer given back")).WrittenMemory;

    /// <summary>Gives the buffer back for the next capture (once; later calls do nothing).</summary>
    internal void Return()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            _giveBack(buffer);
    }
}
