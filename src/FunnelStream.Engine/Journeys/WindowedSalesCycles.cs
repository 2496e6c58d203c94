using System.Runtime.InteropServices;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Sum and count of sales cycles per (tumbling window start, window size, breakdown slot); see
/// <see cref="SalesCycleTracker"/>. Engine thread only.
/// </summary>
internal sealed partial class WindowedSalesCycles(long[] sizesMs, long latenessMs) : ISalesCycleSource
{
    private const double SecondsPerDay = 86_400d;
    private readonly long[] _sizesMs = sizesMs;
    private readonly long _latenessMs = latenessMs;
    private readonly Dictionary<Key, Sums> _sums = [];
    private readonly Dictionary<string, int> _slotByName = new(StringComparer.Ordinal);
    private FunnelEngine? _engine;
    private int _namedSlots;
    private long _pruneBeforeMs = long.MinValue;
    private long _earliestEndMs = long.MaxValue;

    public int Count => _sums.Count;

    public void UseSlotNames(FunnelEngine engine) => _engine = engine;

    public void Add(long wonMs, int slot, long cycleSeconds, int sign)
    {
        foreach (long size in _sizesMs)
        {
            long start = wonMs - (wonMs % size + size) % size;
            if (start + size <= _pruneBeforeMs)
                continue; // already closed and dropped (only a take-back of an evicted journey gets here)
            ref Sums sums = ref CollectionsMarshal.GetValueRefOrAddDefault(_sums, new Key(start, size, slot), out _);
            sums.Seconds += sign * cycleSeconds;
            sums.Count += sign;
            if (start + size < _earliestEndMs)
                _earliestEndMs = start + size;
        }
    }

    /// <summary>
    /// Windows close (and are read by the sink) in the same watermark advance that passes their end, after
    /// this call; so what may go is what closed by the previous advance.
    /// </summary>
    public void OnWatermark(long watermarkMs)
    {
        long before = _pruneBeforeMs;
        _pruneBeforeMs = watermarkMs < long.MinValue + _latenessMs ? long.MinValue : watermarkMs - _latenessMs;
        if (before < _earliestEndMs)
            return;
        long earliest = long.MaxValue;
        foreach (Key key in _sums.Keys)
        {
            long end = key.Start + key.Size;
            if (end <= before)
                _sums.Remove(key);
            else if (end < earliest)
                earliest = end;
        }
        _earliestEndMs = earliest;
    }

    public double? MeanSalesCycleDays(long startMs, long endMs, IReadOnlyList<string> breakdown)
    {
        ArgumentNullException.ThrowIfNull(breakdown);
        long size = endMs - startMs;
        long seconds = 0, count = 0;
        if (breakdown.Count == 0)
        {
            foreach ((Key key, Sums sums) in _sums)
            {
                if (key.Start == startMs && key.Size == size)
                {
                    seconds += sums.Seconds;
                    count += sums.Count;
                }
            }
        }
        else
        {
            if (SlotOf(breakdown) is int slot && _sums.TryGetValue(new Key(startMs, size, slot), out Sums found))
                (seconds, count) = (found.Seconds, found.Count);
            AddRestored(startMs, size, breakdown, ref seconds, ref count);
        }
        return count <= 0 ? null : (double)seconds / count / SecondsPerDay;
    }

    private int? SlotOf(IReadOnlyList<string> breakdown)
    {
        FunnelEngine engine = _engine ?? throw new InvalidOperationException("a breakdown was asked for before UseSlotNames named the slots");
        int slots = engine.SlotCount;
        for (; _namedSlots < slots; _namedSlots++)
            _slotByName[string.Join('\u001f', Enumerable.Range(0, engine.Funnel.Dimensions.Count).Select(d => engine.DimensionValue(_namedSlots, d)))] = _namedSlots;
        return _slotByName.TryGetValue(string.Join('\u001f', breakdown), out int slot) ? slot : null;
    }

    private readonly record struct Key(long Start, long Size, int Slot);

    private struct Sums
    {
        public long Seconds;
        public long Count;
    }
}
