using FunnelStream.Engine.State;

namespace FunnelStream.Engine.Windows;

/// <summary>
/// The open windows of one size, oldest first. Windows are aligned to the Unix epoch (so to UTC
/// midnight for sizes that divide a day). Closed accumulators are reused. Single-threaded.
/// </summary>
internal sealed class TumblingWindows(long sizeMs, SlotLayout layout)
{
    private readonly List<WindowAccumulator> _open = [];
    private readonly Stack<WindowAccumulator> _free = new();
    // The window of the previous lookup, while it is open: consecutive events almost always fall in
    // the same window, and the check is two compares instead of two divisions and a list scan.
    private WindowAccumulator? _last;

    public long SizeMs { get; } = sizeMs;

    public int OpenCount => _open.Count;

    public static long StartOf(long timestampMs, long sizeMs) => timestampMs - (((timestampMs % sizeMs) + sizeMs) % sizeMs);

    /// <summary>The window holding <paramref name="timestampMs"/>, opened if needed.</summary>
    public WindowAccumulator For(long timestampMs)
    {
        WindowAccumulator? last = _last;
        if (last is not null && timestampMs >= last.StartMs && timestampMs < last.EndMs)
            return last;
        return _last = Find(timestampMs);
    }

    private WindowAccumulator Find(long timestampMs)
    {
        long start = StartOf(timestampMs, SizeMs);
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            WindowAccumulator w = _open[i];
            if (w.StartMs == start)
                return w;
            if (w.StartMs < start)
                return Open(i + 1, start);
        }
        return Open(0, start);
    }

    /// <summary>Closes, oldest first, every window that ends at or before <paramref name="closeBeforeMs"/>.</summary>
    public void CloseUpTo(long closeBeforeMs, Action<WindowAccumulator> onClosed)
    {
        while (_open.Count > 0 && _open[0].EndMs <= closeBeforeMs)
        {
            WindowAccumulator w = _open[0];
            _open.RemoveAt(0);
            if (w == _last)
                _last = null; // about to be reused for another window
            onClosed(w);
            _free.Push(w);
        }
    }

    /// <summary>Open windows, oldest first; read-only use.</summary>
    public IReadOnlyList<WindowAccumulator> OpenWindows => _open;

    /// <summary>The end of the oldest open window, or <see cref="long.MaxValue"/>.</summary>
    public long EarliestEnd => _open.Count > 0 ? _open[0].EndMs : long.MaxValue;

    private WindowAccumulator Open(int index, long start)
    {
        WindowAccumulator w = _free.Count > 0 ? _free.Pop() : new WindowAccumulator(layout);
        w.Reset(start, start + SizeMs);
        _open.Insert(index, w);
        return w;
    }
}
