using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>The capture buffer in native memory behaves as the <see cref="ArrayBufferWriter{T}"/> it replaced.</summary>
public class CheckpointBufferTests
{
    [Fact]
    public void Write_GrowingManyTimes_KeepsEveryByteInOrder()
    {
        using var buffer = new CheckpointBuffer(initialCapacity: 16);
        var reference = new ArrayBufferWriter<byte>();
        var rng = new Random(5);
        ReadOnlyMemory<byte> early = buffer.WrittenMemory;
        for (int i = 0; i < 2_000; i++)
        {
            byte[] piece = new byte[rng.Next(0, 3_000)];
            rng.NextBytes(piece);
            piece.CopyTo(((IBufferWriter<byte>)buffer).GetSpan(piece.Length));
            buffer.Advance(piece.Length);
            reference.Write(piece);
        }

        Assert.Equal(reference.WrittenCount, buffer.WrittenCount);
        Assert.True(buffer.WrittenSpan.SequenceEqual(reference.WrittenSpan));
        Assert.True(buffer.WrittenMemory.Span.SequenceEqual(reference.WrittenSpan));
        Assert.True(buffer.Capacity >= buffer.WrittenCount);
        Assert.Equal(0, early.Length); // a memory taken before holds what was written then
    }

    [Fact]
    public void WrittenMemory_TakenBeforeGrowth_ReadsTheMovedBytes()
    {
        using var buffer = new CheckpointBuffer(initialCapacity: 8);
        IBufferWriter<byte> writer = buffer;
        writer.Write(new byte[] { 1, 2, 3, 4 });
        ReadOnlyMemory<byte> first = buffer.WrittenMemory;

        writer.Write(new byte[100_000]); // grows: the first bytes move

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, first.ToArray());
    }

    [Fact]
    public void ResetWrittenCount_KeepsCapacityAndStartsOver()
    {
        using var buffer = new CheckpointBuffer(initialCapacity: 8);
        ((IBufferWriter<byte>)buffer).Write(new byte[50_000]);
        int capacity = buffer.Capacity;

        buffer.ResetWrittenCount();
        ((IBufferWriter<byte>)buffer).Write(new byte[] { 9 });

        Assert.Equal(capacity, buffer.Capacity);
        Assert.Equal(new byte[] { 9 }, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Advance_PastTheFreeSpace_ThrowsAndWritesNothing()
    {
        using var buffer = new CheckpointBuffer(initialCapacity: 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void Disposed_AnyUse_ThrowsObjectDisposed()
    {
        var buffer = new CheckpointBuffer();
        ((IDisposable)buffer).Dispose();

        Assert.Throws<ObjectDisposedException>(() => ((IBufferWriter<byte>)buffer).GetSpan(1));
        Assert.Throws<ObjectDisposedException>(() => buffer.WrittenSpan.Length);
        ((IDisposable)buffer).Dispose(); // twice is harmless
    }
}
