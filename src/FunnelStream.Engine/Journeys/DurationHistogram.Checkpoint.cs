using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>Checkpoint support: the bucket counts and the sum (the bounds come from the configuration, checked by the owner's fingerprint).</summary>
internal sealed partial class DurationHistogram
{
    public void WriteCheckpoint(CheckpointWriter w)
    {
        foreach (long c in _counts)
            w.WriteInt64(c);
        w.WriteInt64(_sum);
    }

    /// <summary>Reads what <see cref="WriteCheckpoint"/> wrote for a histogram of this histogram's bounds, without applying it.</summary>
    public (long[] Counts, long Sum) ReadCheckpoint(ref CheckpointReader r)
    {
        var counts = new long[_counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = r.ReadInt64();
            if (counts[i] < 0)
                throw new InvalidDataException($"checkpoint is corrupt: a histogram bucket holds {counts[i]} observations");
        }
        return (counts, r.ReadInt64());
    }

    public void Restore((long[] Counts, long Sum) state)
    {
        state.Counts.CopyTo(_counts, 0);
        _sum = state.Sum;
        Count = state.Counts.Sum();
    }

    /// <summary>A snapshot of this histogram's bounds with the given cumulative counts (a restored published snapshot).</summary>
    public HistogramSnapshot SnapshotOf(long[] cumulative, long sum) => new(_bounds, cumulative, sum);
}
