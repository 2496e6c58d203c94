using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;

namespace FunnelStream.Tests.Engine;

/// <summary>
/// <see cref="TumblingWindows"/> as it was before it remembered the window of the previous event
/// (issue 8): every lookup computed the window start with two divisions and scanned the open list.
/// Kept, unchanged but for its name, as the reference of <c>TumblingWindowsTests</c> and the
/// "before" row of the benchmarks.
/// </summary>
internal sealed class TumblingWindowsBaseline(long sizeMs, SlotLayout layout)
{
    private readonly List<WindowAccumulator> _open = [];
    private readonly Stack<WindowAccumulator> _free = new();

    public long SizeMs { get; } = sizeMs;

    public int OpenCount => _open.Count;

    public static long StartOf(long timestampMs, long sizeMs) => timestampMs - (((timestampMs % sizeMs) + sizeMs) % sizeMs);

    /// <summary>The window holding <paramref name="timestampMs"/>, opened if needed.</summary>
    public WindowAccumulator For(long timestampMs)
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
            onClosed(w);
            _free.Push(w);
        }
    }

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
