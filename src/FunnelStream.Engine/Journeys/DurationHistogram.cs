namespace FunnelStream.Engine.Journeys;

/// <summary>A histogram of whole-second durations with fixed bounds. Single writer; <see cref="Snapshot"/> copies.</summary>
internal sealed partial class DurationHistogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sum;

    public DurationHistogram(IReadOnlyList<double> bounds)
    {
        _bounds = bounds.ToArray();
        _counts = new long[_bounds.Length + 1];
    }

    public long Count { get; private set; }

    public void Record(long seconds)
    {
        int i = 0;
        while (i < _bounds.Length && seconds > _bounds[i])
            i++;
        _counts[i]++;
        _sum += seconds;
        Count++;
    }

    /// <summary>
    /// The upper bound (seconds) of the bucket holding the 95th percentile, or <c>null</c> with fewer
    /// than <paramref name="minSamples"/> observations or when it falls in the <c>+Inf</c> bucket.
    /// </summary>
    public double? P95UpperBound(int minSamples)
    {
        if (Count < minSamples)
            return null;
        long needed = (long)Math.Ceiling(Count * 0.95);
        long cumulative = 0;
        for (int i = 0; i < _bounds.Length; i++)
        {
            cumulative += _counts[i];
            if (cumulative >= needed)
                return _bounds[i];
        }
        return null;
    }

    public HistogramSnapshot Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            running += _counts[i];
            cumulative[i] = running;
        }
        return new HistogramSnapshot(_bounds, cumulative, _sum);
    }
}
