using FunnelStream.Events;

namespace FunnelStream.Engine.State;

/// <summary>
/// Gives each distinct combination of breakdown dimension ids a small slot number, the index of
/// its counters. Written by the engine thread; <see cref="Count"/> and <see cref="DimensionOf"/>
/// may be read concurrently (a slot is fully published before the count that covers it).
/// </summary>
internal sealed class BreakdownSlots
{
    private readonly int _dimensionCount;
    private readonly UInt64Map _map = new();
    private int[] _dims;
    private int _count;

    public BreakdownSlots(int dimensionCount)
    {
        _dimensionCount = dimensionCount;
        _dims = new int[Math.Max(1, dimensionCount) * 16];
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The slot of <paramref name="dims"/>, created if new.</summary>
    public int SlotOf(in DimensionIds dims)
    {
        ulong key = Pack(dims);
        if (_map.TryGetValue(key, out int slot))
            return slot;
        return Add(key, dims);
    }

    /// <summary>The id of dimension <paramref name="dimension"/> in slot <paramref name="slot"/>.</summary>
    public int DimensionOf(int slot, int dimension) => Volatile.Read(ref _dims)[slot * _dimensionCount + dimension];

    private int Add(ulong key, in DimensionIds dims)
    {
        int slot = _count;
        int needed = (slot + 1) * _dimensionCount;
        if (needed > _dims.Length)
        {
            var grown = new int[_dims.Length * 2];
            Array.Copy(_dims, grown, _dims.Length);
            Volatile.Write(ref _dims, grown);
        }
        for (int d = 0; d < _dimensionCount; d++)
            _dims[slot * _dimensionCount + d] = dims[d];
        _map.Add(key, slot);
        Volatile.Write(ref _count, slot + 1);
        return slot;
    }

    /// <summary>
    /// Packs up to four ids of up to 16 bits each into a non-zero key. Interners cap each dimension
    /// well below 65,534 values (see the host's validation), so the packing is exact.
    /// </summary>
    private static ulong Pack(in DimensionIds dims)
    {
        ulong key = 0;
        for (int d = 0; d < FunnelDefinition.MaxDimensions; d++)
            key = (key << 16) | (ushort)dims[d];
        // Mix so that linear probing sees well-spread keys; +1 keeps the all-zero tuple non-zero.
        key = (key + 1) * 0x9E3779B97F4A7C15UL;
        return key == 0 ? 1 : key;
    }
}
