namespace FunnelStream.Engine.Leakage;

/// <summary>
/// Count-based evidence: per scope, stage counts of closed windows summed into buckets of one
/// evaluation interval, in a ring long enough for the rolling window (plus a week when a
/// same-hour-last-week baseline needs it). Engine thread only.
/// </summary>
internal sealed partial class CountRateSource : IConversionRateSource
{
    private readonly long _stepMs;
    private readonly int _stages;
    private readonly long[] _bucketOf;
    private readonly List<long[]> _scopes = [];

    public CountRateSource(long stepMs, int stageCount, long historyMs)
    {
        _stepMs = stepMs;
        _stages = stageCount;
        _bucketOf = new long[(int)(historyMs / stepMs) + 1];
        Array.Fill(_bucketOf, long.MinValue);
    }

    /// <summary>Adds storage for one more scope (its index is the number of scopes before it).</summary>
    public void AddScope() => _scopes.Add(new long[_bucketOf.Length * _stages]);

    /// <summary>Makes <paramref name="bucket"/> (event time / interval) the one counts go to, forgetting what its ring slot held.</summary>
    public void Begin(long bucket)
    {
        int index = (int)(bucket % _bucketOf.Length);
        if (_bucketOf[index] == bucket)
            return;
        foreach (long[] counts in _scopes)
            Array.Clear(counts, index * _stages, _stages);
        _bucketOf[index] = bucket;
    }

    /// <summary>Adds <paramref name="count"/> events of <paramref name="stage"/> to <paramref name="scope"/> in <paramref name="bucket"/> (after <see cref="Begin"/>).</summary>
    public void Add(int scope, long bucket, int stage, long count) =>
        _scopes[scope][(int)(bucket % _bucketOf.Length) * _stages + stage] += count;

    public ConversionSample Sample(LeakageScope scope, int fromStage, int toStage, long startMs, long endMs)
    {
        long[] counts = _scopes[scope.Index];
        long from = 0, to = 0;
        for (long b = FloorDiv(startMs, _stepMs), last = FloorDiv(endMs, _stepMs) - 1; b <= last; b++)
        {
            int index = (int)(((b % _bucketOf.Length) + _bucketOf.Length) % _bucketOf.Length);
            if (_bucketOf[index] != b)
                continue;
            from += counts[index * _stages + fromStage];
            to += counts[index * _stages + toStage];
        }
        return new ConversionSample(from, to);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
