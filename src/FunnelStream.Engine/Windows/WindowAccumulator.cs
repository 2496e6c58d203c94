using FunnelStream.Engine.State;

namespace FunnelStream.Engine.Windows;

/// <summary>The counters of one open tumbling window, every breakdown slot in one flat array.</summary>
internal sealed class WindowAccumulator(SlotLayout layout)
{
    private readonly SlotLayout _layout = layout;

    public long StartMs { get; private set; }

    public long EndMs { get; private set; }

    /// <summary>Counters laid out by <see cref="SlotLayout"/>; slots beyond the array's end are all zero.</summary>
    public long[] Data { get; private set; } = new long[layout.Stride * 16];

    /// <summary>Whether an event was added since the window opened or was last flushed (idle flush).</summary>
    public bool Dirty { get; set; }

    public void Reset(long startMs, long endMs)
    {
        Dirty = false;
        StartMs = startMs;
        EndMs = endMs;
        Array.Clear(Data);
    }

    public void Add(int slot, int stage, long amountMicros, long costMicros)
    {
        long[] data = Data;
        int baseIndex = slot * _layout.Stride;
        if (baseIndex + _layout.Stride > data.Length)
            data = Grow(slot);
        data[baseIndex + stage]++;
        data[baseIndex + _layout.StageCount + stage] += amountMicros;
        data[baseIndex + 2 * _layout.StageCount] += costMicros;
        Dirty = true;
    }

    /// <summary>Adds <paramref name="deltaMicros"/> to a slot's spend without counting an event (a spend restatement); marks the window changed.</summary>
    public void AdjustCost(int slot, long deltaMicros)
    {
        int baseIndex = slot * _layout.Stride;
        long[] data = baseIndex + _layout.Stride > Data.Length ? Grow(slot) : Data;
        data[baseIndex + 2 * _layout.StageCount] += deltaMicros;
        Dirty = true;
    }

    /// <summary>Adds a whole slot's values (laid out by the layout), when restoring a checkpoint; leaves <see cref="Dirty"/> alone.</summary>
    public void AddSlot(int slot, ReadOnlySpan<long> values)
    {
        long[] data = Data;
        int baseIndex = slot * _layout.Stride;
        if (baseIndex + _layout.Stride > data.Length)
            data = Grow(slot);
        for (int i = 0; i < values.Length; i++)
            data[baseIndex + i] += values[i];
    }

    private long[] Grow(int slot)
    {
        long[] grown = new long[Math.Max(Data.Length * 2, (slot + 1) * _layout.Stride)];
        Array.Copy(Data, grown, Data.Length);
        Data = grown;
        return grown;
    }
}
