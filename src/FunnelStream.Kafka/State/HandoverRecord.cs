using System.Buffers.Binary;
using System.Text;

namespace FunnelStream.Kafka.State;

/// <summary>
/// One input partition's hand-over record, saved with every checkpoint of the instance that owns the
/// partition: the next offset whose records are <b>not</b> in that instance's durable state. Whoever
/// is assigned the partition next resumes there (or at the committed offset, if that is further), so
/// a partition moves between instances without a record counted twice or lost, even when the old
/// owner's final commit failed (a rebalance in progress) or it crashed between saving and committing.
/// </summary>
/// <remarks>Layout, little-endian: magic <c>FSHO</c>, next offset (int64), then the owner's instance id (UTF-8).</remarks>
public readonly record struct HandoverRecord(long Next, string Instance)
{
    private const int Magic = 0x4F485346; // "FSHO"

    public byte[] ToBytes()
    {
        byte[] instance = Encoding.UTF8.GetBytes(Instance);
        byte[] value = new byte[12 + instance.Length];
        BinaryPrimitives.WriteInt32LittleEndian(value, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(4), Next);
        instance.CopyTo(value.AsSpan(12));
        return value;
    }

    /// <summary>Reads a record written by <see cref="ToBytes"/>; <c>null</c> when the bytes are not one.</summary>
    public static HandoverRecord? From(ReadOnlySpan<byte> value)
    {
        if (value.Length < 12 || BinaryPrimitives.ReadInt32LittleEndian(value) != Magic)
            return null;
        long next = BinaryPrimitives.ReadInt64LittleEndian(value[4..]);
        return next < 0 ? null : new HandoverRecord(next, Encoding.UTF8.GetString(value[12..]));
    }
}
