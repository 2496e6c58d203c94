using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Leakage;

/// <summary>The ring of interval buckets in a <see cref="LeakageDetector"/> checkpoint (see LeakageDetector.Checkpoint.cs).</summary>
internal sealed partial class CountRateSource
{
    /// <summary>Slots in the ring (rolling window, plus a week with a same-hour-last-week baseline, plus one interval).</summary>
    public int RingLength => _bucketOf.Length;

    /// <summary>
    /// Writes the ring length, then per slot that holds a bucket: the slot, the bucket (event time /
    /// interval) and, per scope in index order, its stage counts.
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
                for (int stage = 0; stage < _stages; stage++)
                    w.WriteInt64(counts[index * _stages + stage]);
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
        int used = r.ReadCount(12 + 8 * scopes * _stages);
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
                for (int stage = 0; stage < _stages; stage++)
                    counts[s][index * _stages + stage] = r.ReadInt64();
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
