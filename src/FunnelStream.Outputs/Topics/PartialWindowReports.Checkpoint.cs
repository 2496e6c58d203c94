using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Checkpoints of the merge-mode reporter (issue 6; section <c>kpi-partials</c>, docs/reliability.md):
/// after a restore, a window reported again carries the same instance id and sequence as before the
/// crash, so the merger, which keeps each instance's highest sequence per window, takes a repeated
/// report for the duplicate it is (same key, sequence and value), and later reports continue the
/// sequence instead of being summed as another instance's.
/// </summary>
/// <remarks>
/// Format 1, little-endian (<see cref="CheckpointWriter"/>): the instance id, then every window
/// reported but not final yet (bounded as in memory: a window goes with its final report), ordered
/// by size and start: size (ms), start (epoch ms), last sequence. Nothing here depends on the funnel
/// layout (a report carries its values by name), so there is no layout fingerprint.
/// </remarks>
public sealed partial class PartialWindowReports : ICheckpointable
{
    private const int FormatVersion = 1;
    private long _reported;
    private bool _restored;

    /// <inheritdoc />
    public int CheckpointVersion => FormatVersion;

    /// <inheritdoc />
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        var w = new CheckpointWriter(output);
        w.WriteString(Instance);
        w.WriteInt32(_sequences.Count);
        foreach (((long sizeMs, long startMs), long sequence) in _sequences.OrderBy(p => p.Key))
        {
            w.WriteInt64(sizeMs);
            w.WriteInt64(startMs);
            w.WriteInt64(sequence);
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The reporter has already reported a window (or was restored).</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (_reported != 0 || _restored)
            throw new InvalidOperationException("a kpi-partials checkpoint can only be restored into a fresh reporter, before it reports a window");
        if (version != FormatVersion)
            throw new InvalidDataException($"kpi-partials checkpoint format {version} is not supported (this version reads {FormatVersion}); start from fresh state (docs/reliability.md)");
        var r = new CheckpointReader(data);
        string instance = r.ReadString();
        if (instance.Length == 0)
            throw new InvalidDataException("checkpoint is corrupt: an empty instance id");
        var sequences = new Dictionary<(long, long), long>();
        int n = r.ReadCount(24);
        for (int i = 0; i < n; i++)
        {
            long sizeMs = r.ReadInt64(), startMs = r.ReadInt64(), sequence = r.ReadInt64();
            if (sizeMs <= 0 || sequence < 0 || !sequences.TryAdd((sizeMs, startMs), sequence))
                throw new InvalidDataException($"checkpoint is corrupt: window of {sizeMs} ms at {startMs} with sequence {sequence}");
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the kpi-partials state");
        Instance = instance;
        foreach (((long, long) key, long sequence) in sequences)
            _sequences[key] = sequence;
        _restored = true;
    }
}
