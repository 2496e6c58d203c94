using System.Runtime.CompilerServices;

namespace FunnelStream.Tests.Engine;

/// <summary>
/// <see cref="FunnelStream.Engine.State.DedupSet"/> as it was before its maintenance became an
/// in-place compaction (issue 8): every removal rebuilt the table into a second array. Kept, unchanged
/// but for its name, as the reference that <c>DedupSetTests</c> checks the current set against
/// (same answers, counts and evictions for any stream) and as the "before" row of the benchmarks.
/// </summary>
internal sealed class DedupSetBaseline
{
    private const long BucketMs = 60_000;
    private readonly int _maxEntries;
    private readonly long _horizonBuckets;
    private ulong[] _keys;
    private int[] _buckets;
    // The previous table, kept for the next same-size rehash (expiry or eviction at the cap), so a
    // full set rehashes without allocating: at the default cap these arrays are on the large object
    // heap, and allocating them every few million events would drive Gen2 collections.
    private ulong[]? _spareKeys;
    private int[]? _spareBuckets;
    private int[] _minuteCounts = [];
    private int _mask;
    private long _oldestBucket = long.MaxValue;
    private long _keepFrom = long.MinValue;

    public DedupSetBaseline(TimeSpan horizon, int maxEntries)
    {
        _maxEntries = maxEntries;
        _horizonBuckets = (long)Math.Ceiling(horizon.TotalMilliseconds / BucketMs);
        _keys = new ulong[1024];
        _buckets = new int[1024];
        _mask = 1023;
    }

    public int Count { get; private set; }

    /// <summary>Ids forgotten before their horizon because the set was full.</summary>
    public long Evictions { get; private set; }

    /// <summary>Remembers <paramref name="idHash"/>; returns <c>false</c> when it was already remembered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAdd(ulong idHash, long timestampMs)
    {
        ulong[] keys = _keys;
        int i = (int)idHash & _mask;
        while (true)
        {
            ulong k = keys[i];
            if (k == idHash)
                return false;
            if (k == 0)
                break;
            i = (i + 1) & _mask;
        }
        long bucket = Math.Max(0, timestampMs) / BucketMs;
        keys[i] = idHash;
        _buckets[i] = (int)bucket;
        if (bucket < _oldestBucket)
            _oldestBucket = bucket;
        Count++;
        if (Count * 2 > keys.Length || Count >= _maxEntries)
            Maintain();
        return true;
    }

    /// <summary>Lets ids whose minute is more than the horizon behind <paramref name="watermarkMs"/> be forgotten.</summary>
    public void Expire(long watermarkMs) => _keepFrom = Math.Max(0, watermarkMs) / BucketMs - _horizonBuckets;

    private void Maintain()
    {
        if (_oldestBucket < _keepFrom)
            Rehash(_keys.Length, _keepFrom, countAsEvictions: false);
        if (Count >= _maxEntries)
        {
            // Full: forget the oldest minutes until at most three quarters of the cap remain.
            int target = _maxEntries / 4 * 3;
            long cut = EvictionCut(target);
            if (cut != long.MinValue)
                Rehash(_keys.Length, cut, countAsEvictions: true);
            while (Count > target && _oldestBucket != long.MaxValue)
                Rehash(_keys.Length, _oldestBucket + 1, countAsEvictions: true);
        }
        if (Count * 2 > _keys.Length)
            Rehash(_keys.Length * 2, long.MinValue, countAsEvictions: false);
    }

    /// <summary>
    /// The first minute to keep so that at most <paramref name="target"/> ids remain when the oldest
    /// minutes are forgotten whole: the same cut as forgetting one minute at a time, found with one
    /// counting pass instead of one rehash per minute. <see cref="long.MinValue"/> when the minutes
    /// span too wide a range to count (the caller then falls back to minute by minute).
    /// </summary>
    private long EvictionCut(int target)
    {
        long oldest = _oldestBucket;
        long newest = long.MinValue;
        ulong[] keys = _keys;
        int[] buckets = _buckets;
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j] != 0 && buckets[j] > newest)
                newest = buckets[j];
        }
        long span = newest - oldest + 1;
        if (newest == long.MinValue || span > 1 << 20)
            return long.MinValue;
        if (_minuteCounts.Length < span)
            _minuteCounts = new int[Math.Max(span, _minuteCounts.Length * 2)];
        Array.Clear(_minuteCounts, 0, (int)span);
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j] != 0)
                _minuteCounts[buckets[j] - oldest]++;
        }
        long remaining = Count;
        long cut = oldest;
        for (int m = 0; m < span && remaining > target; m++)
        {
            remaining -= _minuteCounts[m];
            cut = oldest + m + 1;
        }
        return cut;
    }

    private void Rehash(int capacity, long keepFrom, bool countAsEvictions)
    {
        ulong[] keys;
        int[] buckets;
        if (_spareKeys is not null && _spareKeys.Length == capacity)
        {
            keys = _spareKeys;
            buckets = _spareBuckets!;
            Array.Clear(keys);
        }
        else
        {
            keys = new ulong[capacity];
            buckets = new int[capacity];
        }
        int mask = capacity - 1;
        int count = 0;
        long oldest = long.MaxValue;
        for (int j = 0; j < _keys.Length; j++)
        {
            ulong k = _keys[j];
            if (k == 0)
                continue;
            int b = _buckets[j];
            if (b < keepFrom)
                continue;
            int i = (int)k & mask;
            while (keys[i] != 0)
                i = (i + 1) & mask;
            keys[i] = k;
            buckets[i] = b;
            count++;
            if (b < oldest)
                oldest = b;
        }
        if (countAsEvictions)
            Evictions += Count - count;
        _spareKeys = _keys.Length == capacity ? _keys : null;
        _spareBuckets = _keys.Length == capacity ? _buckets : null;
        _keys = keys;
        _buckets = buckets;
        _mask = mask;
        Count = count;
        _oldestBucket = oldest;
    }
}
