using System.Runtime.CompilerServices;

namespace FunnelStream.Engine.State;

/// <summary>
/// An open-addressing map from non-zero <see cref="ulong"/> keys (already well-mixed hashes) to
/// <see cref="int"/> values, with linear probing and no deletion. Faster than a
/// <c>Dictionary</c> on the hot path because keys need no further hashing or comparer calls.
/// Single-threaded.
/// </summary>
internal sealed class UInt64Map
{
    private ulong[] _keys;
    private int[] _values;
    private int _mask;

    public UInt64Map(int initialCapacity = 64)
    {
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity * 2));
        _keys = new ulong[capacity];
        _values = new int[capacity];
        _mask = capacity - 1;
    }

    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(ulong key, out int value)
    {
        ulong[] keys = _keys;
        int i = (int)key & _mask;
        while (true)
        {
            ulong k = keys[i];
            if (k == key)
            {
                value = _values[i];
                return true;
            }
            if (k == 0)
            {
                value = 0;
                return false;
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Adds a key that is not present.</summary>
    public void Add(ulong key, int value)
    {
        if ((Count + 1) * 2 > _keys.Length)
            Grow();
        Insert(_keys, _values, _mask, key, value);
        Count++;
    }

    private static void Insert(ulong[] keys, int[] values, int mask, ulong key, int value)
    {
        int i = (int)key & mask;
        while (keys[i] != 0)
            i = (i + 1) & mask;
        keys[i] = key;
        values[i] = value;
    }

    private void Grow()
    {
        int capacity = _keys.Length * 2;
        var keys = new ulong[capacity];
        var values = new int[capacity];
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] != 0)
                Insert(keys, values, capacity - 1, _keys[i], _values[i]);
        }
        _keys = keys;
        _values = values;
        _mask = capacity - 1;
    }
}
