using System.Numerics;
using System.Runtime.CompilerServices;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// The per-journey state of <see cref="JourneyStore"/>: dense struct-of-arrays rows (key, one
/// <see cref="uint"/> second per tracked stage, last activity, flag bits) plus an open-addressing index
/// from journey hash to row. Single-threaded.
/// </summary>
/// <remarks>
/// Why two levels: the rows stay dense, so the periodic full pass touches no empty slots and the
/// per-row cost is what the rows hold (8 + 4 × stages + 8 bytes; 44 for the default funnel); the
/// index costs 4 bytes per slot at a load factor of at most one half. Rows are removed by moving the
/// last row into the hole, and index slots by backward shifting, so there are no tombstones.
/// </remarks>
internal sealed partial class JourneyTable
{
    private const int InitialRows = 1024;
    private const ulong Fibonacci = 0x9E3779B97F4A7C15;

    private readonly int _stride;
    private readonly int _maxRows;
    private ulong[] _keys;
    private uint[] _times;
    private uint[] _last;
    private uint[] _bits;
    private int[] _index;
    private int _shift;

    public JourneyTable(int stride, int maxRows)
    {
        _stride = stride;
        _maxRows = maxRows;
        int rows = Math.Min(InitialRows, maxRows);
        _keys = new ulong[rows];
        _times = new uint[rows * stride];
        _last = new uint[rows];
        _bits = new uint[rows];
        (_index, _shift) = NewIndex(rows);
    }

    public int Count { get; private set; }

    /// <summary>Bytes held by the arrays (their capacity, not only the used rows).</summary>
    public long CapacityBytes =>
        (long)_keys.Length * sizeof(ulong) + (long)_times.Length * sizeof(uint) + (long)_last.Length * sizeof(uint)
        + (long)_bits.Length * sizeof(uint) + (long)_index.Length * sizeof(int);

    public ulong KeyAt(int row) => _keys[row];

    /// <summary>The first-reached second of each tracked stage of <paramref name="row"/> (0 = not reached).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<uint> Times(int row) => _times.AsSpan(row * _stride, _stride);

    public ref uint Last(int row) => ref _last[row];

    public ref uint Bits(int row) => ref _bits[row];

    /// <summary>The row of <paramref name="key"/> (non-zero), or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong key)
    {
        int[] index = _index;
        int mask = index.Length - 1;
        int i = Home(key, _shift);
        while (true)
        {
            int slot = index[i];
            if (slot == 0)
                return -1;
            if (_keys[slot - 1] == key)
                return slot - 1;
            i = (i + 1) & mask;
        }
    }

    /// <summary>Adds a key that is not present, with zeroed state; the caller keeps <see cref="Count"/> below the cap.</summary>
    public int Add(ulong key)
    {
        int row = Count;
        if (row == _keys.Length)
            Grow();
        _keys[row] = key;
        _last[row] = 0;
        _bits[row] = 0;
        Times(row).Clear();
        Insert(_index, _shift, key, row + 1);
        Count = row + 1;
        return row;
    }

    /// <summary>Removes <paramref name="row"/>; the last row moves into its place (remove rows in descending order while iterating).</summary>
    public void RemoveAt(int row)
    {
        int slot = SlotOf(row);
        DeleteSlot(slot);
        int last = Count - 1;
        if (row != last)
        {
            // The last row moves into the hole; repoint its index slot.
            _index[SlotOf(last)] = row + 1;
            _keys[row] = _keys[last];
            _last[row] = _last[last];
            _bits[row] = _bits[last];
            Times(last).CopyTo(Times(row));
        }
        Count = last;
    }

    private int SlotOf(int row)
    {
        int mask = _index.Length - 1;
        int i = Home(_keys[row], _shift);
        while (_index[i] != row + 1)
            i = (i + 1) & mask;
        return i;
    }

    // Backward-shift deletion for linear probing (Knuth 6.4, algorithm R).
    private void DeleteSlot(int hole)
    {
        int[] index = _index;
        int mask = index.Length - 1;
        int j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            int slot = index[j];
            if (slot == 0)
                break;
            int home = Home(_keys[slot - 1], _shift);
            // Move the entry at j back into the hole unless its home lies cyclically in (hole, j].
            bool homeBetween = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (!homeBetween)
            {
                index[hole] = slot;
                hole = j;
            }
        }
        index[hole] = 0;
    }

    private void Grow()
    {
        int rows = (int)Math.Min((long)_keys.Length * 2, _maxRows);
        Array.Resize(ref _keys, rows);
        Array.Resize(ref _times, rows * _stride);
        Array.Resize(ref _last, rows);
        Array.Resize(ref _bits, rows);
        (_index, _shift) = NewIndex(rows);
        for (int r = 0; r < Count; r++)
            Insert(_index, _shift, _keys[r], r + 1);
    }

    private static (int[] Index, int Shift) NewIndex(int rows)
    {
        // At least twice the rows, so the load factor stays at or below one half.
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, rows * 2));
        return (new int[slots], 64 - BitOperations.Log2((uint)slots));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Home(ulong key, int shift) => (int)((key * Fibonacci) >> shift);

    private static void Insert(int[] index, int shift, ulong key, int slotValue)
    {
        int mask = index.Length - 1;
        int i = Home(key, shift);
        while (index[i] != 0)
            i = (i + 1) & mask;
        index[i] = slotValue;
    }
}
