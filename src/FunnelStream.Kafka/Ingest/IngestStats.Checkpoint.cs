using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;

namespace FunnelStream.Kafka.Ingest;

// Checkpointing (issue 6): the counters whose totals must survive a restart exactly, like the engine's:
// records consumed and rejected per reason. They are counted on the engine thread when a batch is
// applied, so a checkpoint captured there covers exactly the records its offsets cover. Dead-letter
// deliveries, client errors and lag describe this process and start from zero.
public sealed partial class IngestStats : ICheckpointable
{
    /// <inheritdoc/>
    public int CheckpointVersion => 1;

    /// <inheritdoc/>
    /// <remarks>Format 1: consumed, then the count of reasons and per reason its name and count.</remarks>
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        var w = new CheckpointWriter(output);
        w.WriteInt64(Consumed);
        RejectReason[] reasons = Enum.GetValues<RejectReason>();
        w.WriteInt32(reasons.Length);
        foreach (RejectReason reason in reasons)
        {
            w.WriteString(reason.ToString());
            w.WriteInt64(Rejected(reason));
        }
    }

    /// <inheritdoc/>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (version != CheckpointVersion)
            throw new InvalidDataException($"ingest counters version {version} is not supported (expected {CheckpointVersion})");
        if (Consumed != 0)
            throw new InvalidOperationException("a checkpoint can only be restored into new counters");
        var r = new CheckpointReader(data);
        long consumed = r.ReadInt64();
        int count = r.ReadCount(12);
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            long value = r.ReadInt64();
            if (value < 0 || !Enum.TryParse(name, out RejectReason reason))
                throw new InvalidDataException($"unknown reject reason '{name}' or negative count {value}");
            Interlocked.Add(ref _rejected[(int)reason], value);
        }
        Interlocked.Add(ref _consumed, consumed);
    }
}
