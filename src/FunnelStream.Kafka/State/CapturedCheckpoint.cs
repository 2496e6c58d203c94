using System.Buffers;

namespace FunnelStream.Kafka.State;

/// <summary>
/// A checkpoint captured by <see cref="StateCheckpointer.Capture"/>: its bytes in an array rented from
/// the shared pool (a large state would otherwise be a fresh large-object-heap array every interval).
/// <see cref="StateCheckpointer.Save"/> returns the array; do not use the bytes after that.
/// </summary>
public sealed class CapturedCheckpoint
{
    private byte[]? _bytes;

    internal CapturedCheckpoint(byte[] rented, int length)
    {
        _bytes = rented;
        Length = length;
    }

    /// <summary>The checkpoint's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The checkpoint's bytes. Throws once returned to the pool.</summary>
    public ReadOnlyMemory<byte> Memory => (_bytes ?? throw new ObjectDisposedException(nameof(CapturedCheckpoint), "the checkpoint was saved and its bytes returned to the pool")).AsMemory(0, Length);

    /// <summary>Gives the bytes back to the pool (once; later calls do nothing).</summary>
    internal void Return()
    {
        if (Interlocked.Exchange(ref _bytes, null) is { } bytes)
            ArrayPool<byte>.Shared.Return(bytes);
    }
}
