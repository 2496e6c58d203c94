namespace FunnelStream.Engine.Windows;

/// <summary>
/// Stage counts in one-minute event-time buckets over the last 24 hours (a ring), from which the
/// rolling conversion ratios over any whole number of minutes up to 24 h are summed. One writer;
/// readers sum without locks and may see a bucket mid-reset (a momentary under-count, never an
/// over-count).
/// </summary>
internal sealed class RollingStageCounts(int stageCount)
{
    public const int Minutes = 24 * 60;
    private readonly long[] _counts = new long[Minutes * stageCount];
    private readonly long[] _bucketMinute = CreateEmptyBuckets();

    private static long[] CreateEmptyBuckets()
    {
        var b = new long[Minutes];
        Array.Fill(b, long.MinValue);
        return b;
    }

    public void Add(long timestampMs, int stage)
    {
        long minute = Math.Max(0, timestampMs) / 60_000;
        int index = (int)(minute % Minutes);
        long held = _bucketMinute[index];
        if (held != minute)
        {
            if (held > minute)
                return; // more than 24 h behind the newest bucket: outside every rolling window
            Array.Clear(_counts, index * stageCount, stageCount);
            Volatile.Write(ref _bucketMinute[index], minute);
        }
        _counts[index * stageCount + stage]++;
    }

    /// <summary>Sums each stage over the <paramref name="minutes"/> minutes ending with the minute of <paramref name="endMs"/>.</summary>
    public void Sum(long endMs, int minutes, Span<long> perStage)
    {
        perStage.Clear();
        long last = Math.Max(0, endMs) / 60_000;
        long first = last - minutes + 1;
        for (int index = 0; index < Minutes; index++)
        {
            long m = Volatile.Read(ref _bucketMinute[index]);
            if (m < first || m > last)
                continue;
            for (int s = 0; s < perStage.Length; s++)
                perStage[s] += Volatile.Read(ref _counts[index * stageCount + s]);
        }
    }
}
