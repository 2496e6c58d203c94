using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Checkpoints of the <c>funnel.kpis</c> numbering (issue 6; section <c>kpi-records</c>,
/// docs/reliability.md): after a restore, a window closed or flushed again carries the same key,
/// revision and value as before the crash, and later revisions continue the numbering.
/// </summary>
/// <remarks>
/// Format 1, little-endian (<see cref="CheckpointWriter"/>): the stage names and the dimension names
/// (the layout the stored totals and keys depend on), then <see cref="KpiRecordRevisions.WriteState"/>:
/// the records published so far and every key published but not final yet (bounded as in memory:
/// a key goes once its final record is published). Keys are their JSON, so dimension values are
/// written by value.
/// </remarks>
public sealed partial class KpiWindowRecords : ICheckpointable
{
    private const int FormatVersion = 1;
    private readonly FunnelDefinition _funnel;

    /// <inheritdoc />
    public int CheckpointVersion => FormatVersion;

    /// <inheritdoc />
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        var w = new CheckpointWriter(output);
        w.WriteString(string.Join(",", _funnel.Stages));
        w.WriteString(string.Join(",", _funnel.Dimensions));
        _revisions.WriteState(w);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The sink has already published a record (or was restored).</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (!_revisions.IsFresh)
            throw new InvalidOperationException("a kpi-records checkpoint can only be restored into a fresh sink, before it publishes a record");
        if (version != FormatVersion)
            throw new InvalidDataException($"kpi-records checkpoint format {version} is not supported (this version reads {FormatVersion}); start from fresh state (docs/reliability.md)");
        var r = new CheckpointReader(data);
        string stages = r.ReadString(), dimensions = r.ReadString();
        string nowStages = string.Join(",", _funnel.Stages), nowDimensions = string.Join(",", _funnel.Dimensions);
        if (stages != nowStages || dimensions != nowDimensions)
            throw new InvalidDataException(
                $"the kpi-records checkpoint was written for the funnel stages '{stages}' and dimensions '{dimensions}', " +
                $"the configuration now has stages '{nowStages}' and dimensions '{nowDimensions}'; restore the previous " +
                "FunnelStream:Funnel configuration, or start from fresh state (docs/reliability.md)");
        _revisions.ReadState(ref r, _funnel.Stages.Count);
    }
}
