using System.Runtime.InteropServices;

namespace FunnelStream.Engine.State;

/// <summary>
/// The latest spend figure per (campaign, channel, UTC day), for spend restatements. Bounded by time:
/// a day is forgotten once every event of it would be late (its end is at or before the watermark
/// minus the allowed lateness), since a report for it can no longer be counted. No allocation per
/// event once the table has grown to the number of keys per ~day. Single-threaded (engine thread).
/// </summary>
internal sealed class SpendFigures
{
    public const long DayMs = 86_400_000;
    private readonly Dictionary<SpendKey, SpendFigure> _figures = new(1024);
    private long _keptFromDay = long.MinValue;

    public int Count => _figures.Count;

    /// <summary>Every remembered figure (checkpoints; allocates).</summary>
    public IEnumerable<KeyValuePair<SpendKey, SpendFigure>> Entries => _figures;

    public static long DayOf(long timestampMs) => timestampMs % DayMs < 0 ? timestampMs / DayMs - 1 : timestampMs / DayMs;

    /// <summary>The figure of <paramref name="key"/>, by reference (null ref when absent), or adds it.</summary>
    public ref SpendFigure GetOrAdd(SpendKey key, out bool existed) =>
        ref CollectionsMarshal.GetValueRefOrAddDefault(_figures, key, out existed);

    /// <summary>Forgets every day that ends at or before <paramref name="lateBeforeMs"/>.</summary>
    public void Expire(long lateBeforeMs)
    {
        if (lateBeforeMs == long.MinValue)
            return;
        long firstOpenDay = DayOf(lateBeforeMs); // day d ends at (d + 1) * DayMs, so days below this one end at or before it
        if (firstOpenDay <= _keptFromDay)
            return;
        _keptFromDay = firstOpenDay;
        foreach (SpendKey key in _figures.Keys)
        {
            if (key.Day < firstOpenDay)
                _figures.Remove(key);
        }
    }
}
