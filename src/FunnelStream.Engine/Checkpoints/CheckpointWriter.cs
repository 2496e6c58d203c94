using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// Little-endian primitives for checkpoint formats, written straight into an
/// <see cref="IBufferWriter{T}"/>. Read back with <see cref="CheckpointReader"/>.
/// </summary>
public readonly struct CheckpointWriter(IBufferWriter<byte> output)
{
    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    /// <summary>Room for at least <paramref name="sizeHint"/> bytes, for writing many values at once; then <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint) => output.GetSpan(sizeHint);

    /// <summary>Commits <paramref name="count"/> bytes written into the last <see cref="GetSpan"/>.</summary>
    public void Advance(int count) => output.Advance(count);

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteBoolean(bool value) => WriteInt32(value ? 1 : 0);

    /// <summary>A length-prefixed UTF-8 string.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteInt32(length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    /// <summary>Length-prefixed bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(output.GetSpan(value.Length));
        output.Advance(value.Length);
    }
}
