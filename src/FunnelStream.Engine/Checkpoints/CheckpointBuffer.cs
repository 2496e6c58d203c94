using System.Buffers;
using System.Runtime.InteropServices;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// The bytes of a checkpoint being written (<see cref="StateCheckpoint.Begin"/>): a growable buffer
/// like <see cref="ArrayBufferWriter{T}"/>, in native memory. The host reuses one from capture to
/// capture, so it grows once to the size of the state, which for a dedup set at its cap is tens of
/// MB. As managed arrays those doublings (4, 8, 16, 33, 67 MB ...) were large-object-heap
/// allocations, each spending the large-object budget that triggers gen-2 collections; here the GC
/// never sees them.
/// </summary>
/// <remarks>
/// Single writer at a time; <see cref="WrittenMemory"/> stays valid across growth (it reads through
/// this buffer), a span taken before growing does not. The memory is freed by
/// <see cref="IDisposable.Dispose"/> only, never by a finalizer (a span of it may outlive every
/// reference to the buffer, CA2015): its owner disposes it.
/// </remarks>
public sealed unsafe class CheckpointBuffer : MemoryManager<byte>, IBufferWriter<byte>
{
    private byte* _data;
    private int _capacity;
    private int _written;

    /// <param name="initialCapacity">Bytes to start with; the buffer doubles as needed.</param>
    public CheckpointBuffer(int initialCapacity = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _data = (byte*)NativeMemory.Alloc((nuint)initialCapacity);
        _capacity = initialCapacity;
    }

    /// <summary>Bytes written so far.</summary>
    public int WrittenCount => _written;

    /// <summary>Bytes the buffer holds before it grows again.</summary>
    public int Capacity => _capacity;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => new(Data, _written);

    /// <summary>The bytes written so far, as memory that stays valid while the buffer grows (not once it is reset or disposed).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => CreateMemory(0, _written);

    /// <summary>The bytes written so far, writable: for filling in a length prefix after what it measures.</summary>
    internal Span<byte> WrittenSpanForPatching => new(Data, _written);

    /// <summary>Starts over, keeping the memory.</summary>
    public void ResetWrittenCount() => _written = 0;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_capacity - _written))
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot advance {count} bytes with {_capacity - _written} free");
        _written += count;
    }

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint)
    {
        Reserve(sizeHint);
        return CreateMemory(_written, _capacity - _written);
    }

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint)
    {
        Reserve(sizeHint);
        return new Span<byte>(_data + _written, _capacity - _written);
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        int needed = Math.Max(sizeHint, 1);
        if (needed <= _capacity - _written)
            return;
        long wanted = (long)_written + needed;
        if (wanted > Array.MaxLength)
            throw new InvalidOperationException($"a checkpoint cannot exceed {Array.MaxLength} bytes ({_written} written, {needed} more asked)");
        long next = Math.Clamp((long)_capacity * 2, wanted, Array.MaxLength);
        _data = (byte*)NativeMemory.Realloc(_data, (nuint)next);
        _capacity = (int)next;
    }

    private byte* Data
    {
        get
        {
            ObjectDisposedException.ThrowIf(_data == null, this);
            return _data;
        }
    }

    /// <summary>The whole capacity (<see cref="MemoryManager{T}"/>; what <see cref="WrittenMemory"/> reads through).</summary>
    public override Span<byte> GetSpan() => new(Data, _capacity);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_capacity)
            throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(Data + elementIndex);
    }

    public override void Unpin()
    {
        // Native memory does not move.
    }

    protected override void Dispose(bool disposing)
    {
        if (_data == null)
            return;
        NativeMemory.Free(_data);
        _data = null;
        _capacity = 0;
        _written = 0;
    }
}
