using FunnelStream.Engine.State;

namespace FunnelStream.Engine;

/// <summary>
/// A lock-free view of the cumulative counters (since start) for readers on other threads, such as
/// a metrics scrape. Each value is one the counter really had during the read; values of different
/// counters may be a few events apart.
/// </summary>
public readonly struct CounterView
{
    private readonly long[] _data;
    private readonly SlotLayout _layout;

    internal CounterView(long[] data, SlotLayout layout, int slotCount)
    {
        _data = data;
        _layout = layout;
        SlotCount = slotCount;
    }

    /// <summary>Slots covered by this view.</summary>
    public int SlotCount { get; }

    /// <summary>Events of <paramref name="stage"/> counted in <paramref name="slot"/>.</summary>
    public long Count(int slot, int stage) => Read(_layout.Count(slot, stage));

    /// <summary>Summed <c>amount</c> of <paramref name="stage"/> in <paramref name="slot"/>, micro-units.</summary>
    public long AmountMicros(int slot, int stage) => Read(_layout.Amount(slot, stage));

    /// <summary>Summed <c>cost</c> in <paramref name="slot"/>, micro-units.</summary>
    public long SpendMicros(int slot) => Read(_layout.Spend(slot));

    private long Read(int index) => index < _data.Length ? Volatile.Read(ref _data[index]) : 0;
}
