namespace FunnelStream.Engine.Windows;

/// <summary>
/// Event-time progress. Each source (a Kafka partition; replay has one) has its own high-water
/// mark, the newest event time it delivered. The watermark is the lowest high-water mark among the
/// active sources, so one partition that is behind (a backlog being caught up) does not make the
/// events of another look late. A source that delivers nothing for the idle timeout (processing
/// time) stops holding the watermark back until it delivers again. The watermark never moves back.
/// Single-threaded.
/// </summary>
internal sealed class WatermarkTracker(long idleTimeoutMs)
{
    private long[] _highMarks = new long[8];
    private long[] _lastActiveMs = new long[8];
    private bool[] _present = new bool[8];
    private long _nowMs;
    // The active source whose high mark was the minimum at the last recompute; -1 when unknown.
    // Raising any other active source's mark cannot move the watermark, so Observe skips the O(sources) scan.
    private int _minSource = -1;

    /// <summary>The watermark, epoch ms; <see cref="long.MinValue"/> before any event.</summary>
    public long Current { get; private set; } = long.MinValue;

    /// <summary>Records an event time from <paramref name="source"/>; returns whether the watermark moved.</summary>
    public bool Observe(int source, long timestampMs)
    {
        if ((uint)source >= (uint)_present.Length)
            GrowTo(source + 1);
        bool wasActive = _present[source] && _nowMs - _lastActiveMs[source] < idleTimeoutMs;
        _lastActiveMs[source] = _nowMs;
        if (_present[source] && timestampMs <= _highMarks[source])
            return false;
        _present[source] = true;
        _highMarks[source] = timestampMs;
        if (wasActive && source != _minSource && _minSource >= 0)
            return false; // the minimum is held by another active source and did not change
        return Recompute();
    }

    /// <summary>
    /// Sets processing time (epoch ms); sources idle for the timeout stop holding the watermark back,
    /// except <paramref name="delivering"/>: sources whose records are about to be observed, active
    /// again from now. Without that, after a quiet spell the first record observed would set the
    /// watermark alone, and a batch's older records of another source, which Kafka orders only within
    /// a partition, would look late.
    /// </summary>
    public bool SetProcessingTime(long nowMs, ReadOnlySpan<int> delivering = default)
    {
        _nowMs = nowMs;
        foreach (int source in delivering)
        {
            Add(source);
            _lastActiveMs[source] = nowMs;
        }
        return Recompute();
    }

    /// <summary>
    /// Registers a source before its first event (a partition was assigned): from now on it holds
    /// the watermark back until it delivers or goes idle.
    /// </summary>
    public void Add(int source)
    {
        if ((uint)source >= (uint)_present.Length)
            GrowTo(source + 1);
        if (_present[source])
            return;
        _present[source] = true;
        _highMarks[source] = long.MinValue;
        _lastActiveMs[source] = _nowMs;
        _minSource = -1;
    }

    /// <summary>Forgets a source (its partition was revoked).</summary>
    public bool Remove(int source)
    {
        if ((uint)source < (uint)_present.Length)
            _present[source] = false;
        _minSource = -1;
        return Recompute();
    }

    /// <summary>
    /// Sets the watermark of a restored checkpoint, before any source delivered: sources are registered
    /// again by the host (<see cref="Add"/>) and hold it there until they deliver past it (it never moves back).
    /// </summary>
    public void Restore(long current) => Current = current;

    private bool Recompute()
    {
        long min = long.MaxValue;
        long max = long.MinValue;
        int minSource = -1;
        for (int s = 0; s < _present.Length; s++)
        {
            if (!_present[s])
                continue;
            max = Math.Max(max, _highMarks[s]);
            if (_nowMs - _lastActiveMs[s] < idleTimeoutMs && (minSource < 0 || _highMarks[s] < min))
            {
                min = _highMarks[s];
                minSource = s;
            }
        }
        _minSource = minSource;
        // Every source idle: the newest event time seen is the best evidence of progress.
        long candidate = min != long.MaxValue ? min : max;
        if (candidate > Current)
        {
            Current = candidate;
            return true;
        }
        return false;
    }

    private void GrowTo(int size)
    {
        int n = Math.Max(size, _present.Length * 2);
        Array.Resize(ref _highMarks, n);
        Array.Resize(ref _lastActiveMs, n);
        Array.Resize(ref _present, n);
    }
}
