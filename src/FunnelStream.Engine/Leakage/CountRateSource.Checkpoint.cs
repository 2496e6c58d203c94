using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Leakage;

/// <summary>The ring of interval buckets in a <see cref="LeakageDetector"/> checkpoint (see LeakageDetector.Checkpoint.cs).</summary>
internal sealed partial class CountRateSource
{
    /// <summary>Slots in the ring (rolling window, plus a week with a same-hour-last-week baseline, plus one interval).</summary>
    public int RingLength => _bucketOf.Length;

    /// <summary>
    /// Writes the ring length, then per slot that holds a bucket: the slot, the bucket (event time /
    /// interval) and, per scope in index order, a mask of the stages with a count other than zero
    /// (bit = stage id; a funnel has at most 32 stages) followed by those counts, so quiet scopes and
    /// stages cost four bytes per bucket.
    /// </summary>
    public void Write(CheckpointWriter w)
    {
        w.WriteInt32(_bucketOf.Length);
        int used = _bucketOf.Count(b => b != long.MinValue);
        w.WriteInt32(used);
        for (int index = 0; index < _bucketOf.Length; index++)
        {
            if (_bucketOf[index] == long.MinValue)
                continue;
            w.WriteInt32(index);
            w.WriteInt64(_bucketOf[index]);
            foreach (long[] counts in _scopes)
            {
                ReadOnlySpan<long> bucket = counts.AsSpan(index * _stages, _stages);
                uint mask = 0;
                for (int stage = 0; stage < _stages; stage++)
                    mask |= bucket[stage] != 0 ? 1u << stage : 0;
                w.WriteInt32(unchecked((int)mask));
                for (int stage = 0; stage < _stages; stage++)
                {
                    if (bucket[stage] != 0)
                        w.WriteInt64(bucket[stage]);
                }
            }
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote for <paramref name="scopes"/> scopes; changes nothing (returns the ring to <see cref="Restore"/>).</summary>
    public (long[] BucketOf, long[][] Counts) Read(ref CheckpointReader r, int scopes)
    {
        int length = r.ReadInt32();
        if (length != _bucketOf.Length)
            throw new InvalidDataException($"checkpoint is corrupt: a ring of {length} interval buckets, the configuration has {_bucketOf.Length}");
        var bucketOf = new long[length];
        Array.Fill(bucketOf, long.MinValue);
        long[][] counts = new long[scopes][];
        for (int s = 0; s < scopes; s++)
            counts[s] = new long[length * _stages];
        int used = r.ReadCount(12 + 4 * scopes);
        for (int i = 0; i < used; i++)
        {
            int index = r.ReadInt32();
            if (index < 0 || index >= length || bucketOf[index] != long.MinValue)
                throw new InvalidDataException($"checkpoint is corrupt: ring slot {index} is out of range or repeated");
            long bucket = r.ReadInt64();
            if (bucket == long.MinValue || ((bucket % length) + length) % length != index)
                throw new InvalidDataException($"checkpoint is corrupt: bucket {bucket} does not belong in ring slot {index}");
            bucketOf[index] = bucket;
            for (int s = 0; s < scopes; s++)
            {
                uint mask = unchecked((uint)r.ReadInt32());
                if (_stages < 32 && mask >> _stages != 0)
                    throw new InvalidDataException($"checkpoint is corrupt: stage mask {mask:x} names stages beyond the {_stages} of the funnel");
                for (int stage = 0; stage < _stages; stage++)
                {
                    if ((mask & (1u << stage)) != 0)
                        counts[s][index * _stages + stage] = r.ReadInt64();
                }
            }
        }
        return (bucketOf, counts);
    }

    /// <summary>Replaces the ring and every scope's counts with what <see cref="Read"/> returned.</summary>
    public void Restore(long[] bucketOf, long[][] counts)
    {
        bucketOf.CopyTo(_bucketOf, 0);
        _scopes.Clear();
        _scopes.AddRange(counts);
    }
}
