using Confluent.Kafka;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// A deserializer that copies the key or value of the record being consumed into a buffer it reuses,
/// instead of a new <c>byte[]</c> per record, and hands <c>null</c> to the client's result (issue 8:
/// the value array was the largest per-record allocation). The bytes stay valid until the next
/// <c>Consume</c>; the pipeline parses them and copies what it keeps into the batch's arena. One
/// instance per consumer and per component (key, value); consumer thread only.
/// </summary>
internal sealed class RecordBytes : IDeserializer<RecordBytes?>
{
    private byte[] _buffer = new byte[4096];

    /// <summary>The last record's bytes (empty when it had none). Valid until the next <c>Consume</c>.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    /// <summary>The last record's length in bytes.</summary>
    public int Length { get; private set; }

    /// <summary>Whether the last record had no key (or value) at all, as opposed to an empty one.</summary>
    public bool IsNull { get; private set; }

    /// <inheritdoc />
    public RecordBytes? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (data.Length > _buffer.Length)
            _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        data.CopyTo(_buffer);
        Length = data.Length;
        IsNull = isNull;
        return null;
    }
}
