using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// <see cref="StateCheckpoint.Begin"/> with snapshot sections: they come after the other sections, in
/// their order, each whole and with its own length, however many there are.
/// </summary>
public class StateCheckpointBeginTests
{
    /// <summary>Writes a header when begun and the rest of its bytes when completed.</summary>
    private sealed class Snapshotted(byte[] head, byte[] rest) : ISnapshotCheckpointable, ICheckpointSnapshot
    {
        private IBufferWriter<byte>? _output;

        public int CheckpointVersion => 3;

        public ICheckpointSnapshot BeginSnapshot(IBufferWriter<byte> output)
        {
            output.Write(head);
            _output = output;
            return this;
        }

        public void Complete()
        {
            if (Interlocked.Exchange(ref _output, null) is { } output)
                output.Write(rest);
        }

        public void WriteCheckpoint(IBufferWriter<byte> output)
        {
            output.Write(head);
            output.Write(rest);
        }

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => throw new NotSupportedException();
    }

    /// <summary>The same bytes written where it is listed, all at once.</summary>
    private sealed class InPlace(ICheckpointable part) : ICheckpointable
    {
        public int CheckpointVersion => part.CheckpointVersion;

        public void WriteCheckpoint(IBufferWriter<byte> output) => part.WriteCheckpoint(output);

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => throw new NotSupportedException();
    }

    private sealed class Plain(byte[] bytes) : ICheckpointable
    {
        public int CheckpointVersion => 1;

        public void WriteCheckpoint(IBufferWriter<byte> output) => output.Write(bytes);

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => throw new NotSupportedException();
    }

    [Fact]
    public void Begin_TwoSnapshotSections_WrittenLastInOrderEachWhole()
    {
        var a = new Snapshotted([1, 1], [2, 2, 2]);
        var b = new Snapshotted([7], [8, 8, 8, 8, 8]);
        var plain = new Plain([5, 5, 5, 5]);
        InputOffset[] offsets = [new("funnel.events", 0, 9)];
        using var expected = new CheckpointBuffer();
        StateCheckpoint.Write(expected, offsets, [new("plain", plain), new("a", new InPlace(a)), new("b", new InPlace(b))]);
        using var buffer = new CheckpointBuffer();

        PendingCheckpoint pending = StateCheckpoint.Begin(buffer, offsets, [new("a", a), new("plain", plain), new("b", b)]);
        pending.Complete();

        Assert.Equal(expected.WrittenSpan.ToArray(), buffer.WrittenSpan.ToArray());
        Assert.True(StateCheckpoint.TryReadSection(buffer.WrittenSpan, "a", out int version, out ReadOnlySpan<byte> section));
        Assert.Equal(3, version);
        Assert.Equal(new byte[] { 1, 1, 2, 2, 2 }, section.ToArray());
        Assert.True(StateCheckpoint.TryReadSection(buffer.WrittenSpan, "b", out _, out section));
        Assert.Equal(new byte[] { 7, 8, 8, 8, 8, 8 }, section.ToArray());
    }
}
