namespace FunnelStream.Engine.State;

/// <summary>
/// Counters since start, per breakdown slot, laid out by <see cref="SlotLayout"/>. One writer (the
/// engine thread); readers (scrapes) read without locks. A 64-bit aligned read is atomic on every
/// platform .NET runs on, and the array is replaced (copied, then published) when it grows, so a
/// reader sees each counter at some value it had during the read, never a torn or decreasing one.
/// </summary>
internal sealed class CumulativeCounters(SlotLayout layout)
{
    private long[] _data = new long[layout.Stride * 16];

    public SlotLayout Layout { get; } = layout;

    /// <summary>The current array; readers index it with <see cref="Layout"/> and treat missing slots as zero.</summary>
    public long[] Snapshot => Volatile.Read(ref _data);

    public void Add(int slot, int stage, long amountMicros, long costMicros)
    {
        long[] data = _data;
        int baseIndex = slot * Layout.Stride;
        if (baseIndex + Layout.Stride > data.Length)
            data = Grow(slot);
        // Plain stores are enough: this thread is the only writer, and readers tolerate staleness.
        data[baseIndex + stage]++;
        if (amountMicros != 0)
            data[baseIndex + Layout.StageCount + stage] += amountMicros;
        if (costMicros != 0)
            data[baseIndex + 2 * Layout.StageCount] += costMicros;
    }

    /// <summary>Adds <paramref name="deltaMicros"/> to a slot's spend without counting an event (a spend restatement). The slot exists already.</summary>
    public void AdjustCost(int slot, long deltaMicros) => _data[slot * Layout.Stride + 2 * Layout.StageCount] += deltaMicros;

    /// <summary>Adds a whole slot's values (laid out by <see cref="Layout"/>), when restoring a checkpoint.</summary>
    public void AddSlot(int slot, ReadOnlySpan<long> values)
    {
        long[] data = _data;
        int baseIndex = slot * Layout.Stride;
        if (baseIndex + Layout.Stride > data.Length)
            data = Grow(slot);
        for (int i = 0; i < values.Length; i++)
            data[baseIndex + i] += values[i];
    }

    private long[] Grow(int slot)
    {
        long[] grown = new long[Math.Max(_data.Length * 2, (slot + 1) * Layout.Stride)];
        Array.Copy(_data, grown, _data.Length);
        Volatile.Write(ref _data, grown);
        return grown;
    }
}
