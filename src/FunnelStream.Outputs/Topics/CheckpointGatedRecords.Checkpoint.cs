using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Checkpoints of the held records (section <c>kpi-held</c>, docs/reliability.md). Format 1,
/// little-endian (<see cref="CheckpointWriter"/>): the number of records held, then per record in the
/// order held: key bytes, value bytes, revision. Restored records count as included
/// in checkpoint 0, the restored one, which is durable: the first <see cref="Release"/> publishes them.
/// </summary>
public sealed partial class CheckpointGatedRecords : ICheckpointable
{
    private const int FormatVersion = 1;

    /// <inheritdoc />
    public int CheckpointVersion => FormatVersion;

    /// <inheritdoc />
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        var w = new CheckpointWriter(output);
        w.WriteInt32(_held.Count);
        foreach (Held h in _held)
        {
            w.WriteBytes(h.Record.Key);
            w.WriteBytes(h.Record.Value);
            w.WriteInt32(h.Record.Revision);
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Records were held or released already.</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (_held.Count != 0 || Released != 0)
            throw new InvalidOperationException("a kpi-held checkpoint can only be restored before any record is held");
        if (version != FormatVersion)
            throw new InvalidDataException($"kpi-held checkpoint format {version} is not supported (this version reads {FormatVersion}); start from fresh state (docs/reliability.md)");
        var r = new CheckpointReader(data);
        int n = r.ReadCount(4 + 4 + 4);
        var held = new List<Held>(n);
        for (int i = 0; i < n; i++)
        {
            byte[] key = r.ReadBytes().ToArray();
            byte[] value = r.ReadBytes().ToArray();
            int revision = r.ReadInt32();
            if (revision < 0)
                throw new InvalidDataException($"checkpoint is corrupt: held record {i} has revision {revision}");
            held.Add(new Held(new KpiRecord(key, value, revision), 0));
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the held records");
        _held.AddRange(held);
    }
}
