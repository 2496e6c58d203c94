using System.Buffers.Binary;
using System.Text;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>Reads what <see cref="CheckpointWriter"/> wrote; throws <see cref="InvalidDataException"/> on truncated data.</summary>
public ref struct CheckpointReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _rest.Length;

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    public bool ReadBoolean() => ReadInt32() switch
    {
        0 => false,
        1 => true,
        int other => throw new InvalidDataException($"checkpoint is corrupt: {other} is not a boolean"),
    };

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadCount()));

    public ReadOnlySpan<byte> ReadBytes() => Take(ReadCount());

    /// <summary>A non-negative count no larger than the bytes left could justify (guards against corrupt lengths).</summary>
    public int ReadCount(int minBytesEach = 1)
    {
        int n = ReadInt32();
        if (n < 0 || (long)n * Math.Max(1, minBytesEach) > _rest.Length)
            throw new InvalidDataException($"checkpoint is corrupt: a count of {n} does not fit the {_rest.Length} bytes left");
        return n;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _rest.Length)
            throw new InvalidDataException($"checkpoint is truncated: needed {n} more bytes, {_rest.Length} left");
        ReadOnlySpan<byte> taken = _rest[..n];
        _rest = _rest[n..];
        return taken;
    }
}
