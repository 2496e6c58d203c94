namespace FunnelStream.Engine.Windows;

/// <summary>
/// Stage counts, amounts and spend in one-minute event-time buckets over the last 48 hours (a ring),
/// from which the rolling conversion ratios and KPIs over any whole number of minutes up to 24 h are
/// summed, together with the window of the same size just before (period-over-period change). One
/// writer; readers sum without locks and may see a bucket mid-reset (a momentary under-count, never
/// an over-count).
/// </summary>
internal sealed class RollingStageCounts(int stageCount)
{
    /// <summary>The ring's length: twice the longest rolling window (24 h), so the previous window is kept too.</summary>
    public const int Minutes = 2 * 24 * 60;
    private readonly long[] _counts = new long[Minutes * stageCount];
    private readonly long[] _amounts = new long[Minutes * stageCount];
    private readonly long[] _spend = new long[Minutes];
    private readonly long[] _bucketMinute = CreateEmptyBuckets();

    private static long[] CreateEmptyBuckets()
    {
        var b = new long[Minutes];
        Array.Fill(b, long.MinValue);
        return b;
    }

    public void Add(long timestampMs, int stage, long amountMicros = 0, long costMicros = 0)
    {
        long minute = Math.Max(0, timestampMs) / 60_000;
        int index = (int)(minute % Minutes);
        long held = _bucketMinute[index];
        if (held != minute)
        {
            if (held > minute)
                return; // more than 48 h behind the newest bucket: outside every rolling window
            Array.Clear(_counts, index * stageCount, stageCount);
            Array.Clear(_amounts, index * stageCount, stageCount);
            Volatile.Write(ref _spend[index], 0);
            Volatile.Write(ref _bucketMinute[index], minute);
        }
        _counts[index * stageCount + stage]++;
        if (amountMicros != 0)
            _amounts[index * stageCount + stage] += amountMicros;
        if (costMicros != 0)
            _spend[index] += costMicros;
    }

    /// <summary>Adds <paramref name="deltaMicros"/> to the spend of the minute of <paramref name="timestampMs"/> without counting an event, if that minute is still held (a spend restatement).</summary>
    public void AdjustCost(long timestampMs, long deltaMicros)
    {
        long minute = Math.Max(0, timestampMs) / 60_000;
        int index = (int)(minute % Minutes);
        if (_bucketMinute[index] == minute)
            _spend[index] += deltaMicros;
    }

    /// <summary>Writes the minutes held with their counts, amounts and spend (checkpoints).</summary>
    public void WriteTo(Checkpoints.CheckpointWriter w)
    {
        int used = 0;
        foreach (long m in _bucketMinute)
        {
            if (m != long.MinValue)
                used++;
        }
        w.WriteInt32(used);
        for (int index = 0; index < Minutes; index++)
        {
            if (_bucketMinute[index] == long.MinValue)
                continue;
            w.WriteInt64(_bucketMinute[index]);
            for (int s = 0; s < stageCount; s++)
                w.WriteInt64(_counts[index * stageCount + s]);
            for (int s = 0; s < stageCount; s++)
                w.WriteInt64(_amounts[index * stageCount + s]);
            w.WriteInt64(_spend[index]);
        }
    }

    /// <summary>Restores what <see cref="WriteTo"/> wrote into this (empty) ring.</summary>
    public void ReadFrom(ref Checkpoints.CheckpointReader r)
    {
        int used = r.ReadCount(8 * (2 + 2 * stageCount));
        for (int i = 0; i < used; i++)
        {
            long minute = r.ReadInt64();
            if (minute < 0)
                throw new InvalidDataException($"rolling minute {minute} is negative");
            int index = (int)(minute % Minutes);
            if (_bucketMinute[index] != long.MinValue)
                throw new InvalidDataException($"rolling minutes {_bucketMinute[index]} and {minute} share a bucket");
            _bucketMinute[index] = minute;
            for (int s = 0; s < stageCount; s++)
                _counts[index * stageCount + s] = r.ReadInt64();
            for (int s = 0; s < stageCount; s++)
                _amounts[index * stageCount + s] = r.ReadInt64();
            _spend[index] = r.ReadInt64();
        }
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

    /// <summary>
    /// Adds counts, amounts and spend over the <paramref name="minutes"/> minutes ending with the minute
    /// of <paramref name="endMs"/> into <paramref name="totals"/> (which the caller clears).
    /// </summary>
    public void Sum(long endMs, int minutes, StageTotals totals)
    {
        long last = Math.Max(0, endMs) / 60_000;
        long first = last - minutes + 1;
        long[] counts = totals.Counts, amounts = totals.AmountsMicros;
        long spend = 0;
        for (int index = 0; index < Minutes; index++)
        {
            long m = Volatile.Read(ref _bucketMinute[index]);
            if (m < first || m > last)
                continue;
            for (int s = 0; s < stageCount; s++)
            {
                counts[s] += Volatile.Read(ref _counts[index * stageCount + s]);
                amounts[s] += Volatile.Read(ref _amounts[index * stageCount + s]);
            }
            spend += Volatile.Read(ref _spend[index]);
        }
        totals.SpendMicros += spend;
    }
}
