using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace FunnelStream.Events.Internal;

/// <summary>
/// An immutable map from short UTF-8 names to small integers, for matching JSON property names and
/// <c>type</c> values without building strings. A name of at most 8 bytes is one 64-bit word, found
/// with a single probe of a collision-free multiplicative hash (the multiplier is searched for at
/// construction); longer names are bucketed by length and compared word first.
/// </summary>
/// <remarks>
/// Field mapping (spec/events.md, "Field mapping") plugs in here: a renamed property is just another
/// entry, and foreign <c>type</c> values (e.g. <c>Closed Won</c>) are extra entries of the stage table
/// that map to an existing stage id. Several names may map to the same value.
/// </remarks>
internal sealed class Utf8NameTable
{
    /// <summary>Names longer than this many UTF-8 bytes are not supported.</summary>
    public const int MaxNameBytes = 256;

    private readonly Entry[][] _byLength;
    private readonly ShortEntry[] _short;
    private readonly ulong _multiplier;
    private readonly int _shift;

    public Utf8NameTable(IEnumerable<KeyValuePair<string, int>> entries)
    {
        var buckets = new List<Entry>[1];
        buckets[0] = [];
        foreach ((string name, int value) in entries)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            if (utf8.Length is 0 or > MaxNameBytes)
                throw new ArgumentException($"name '{name}' must be 1..{MaxNameBytes} UTF-8 bytes", nameof(entries));
            if (utf8.Length >= buckets.Length)
            {
                int old = buckets.Length;
                Array.Resize(ref buckets, utf8.Length + 1);
                for (int i = old; i < buckets.Length; i++)
                    buckets[i] = [];
            }
            if (Find(buckets[utf8.Length], utf8) >= 0)
                throw new ArgumentException($"name '{name}' appears twice", nameof(entries));
            buckets[utf8.Length].Add(new Entry(Head(utf8), utf8.Length, utf8.Length > 8 ? utf8[8..] : [], value));
        }
        _byLength = buckets.Select(b => b.ToArray()).ToArray();
        (_short, _multiplier, _shift) = BuildShortTable(_byLength.Take(9).SelectMany(b => b).ToArray());
    }

    /// <summary>The value of <paramref name="name"/>, or -1 when the table has no such name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> name)
    {
        if ((uint)(name.Length - 1) < 8)
        {
            ulong head = Head(name);
            ref readonly ShortEntry e = ref _short[(int)((head * _multiplier) >> _shift)];
            return e.Head == head && e.Length == name.Length ? e.Value : -1;
        }
        return FindLong(name);
    }

    private int FindLong(ReadOnlySpan<byte> name)
    {
        Entry[][] byLength = _byLength;
        if ((uint)name.Length >= (uint)byLength.Length)
            return -1;
        Entry[] bucket = byLength[name.Length];
        if (bucket.Length == 0)
            return -1;
        ulong head = Head(name);
        foreach (ref readonly Entry e in bucket.AsSpan())
        {
            if (e.Head == head && (name.Length <= 8 || name[8..].SequenceEqual(e.Tail)))
                return e.Value;
        }
        return -1;
    }

    /// <summary>Finds a multiplier that sends every short name to its own slot, growing the table if needed.</summary>
    private static (ShortEntry[] Table, ulong Multiplier, int Shift) BuildShortTable(Entry[] entries)
    {
        // Deterministic candidates (splitmix64), so a given configuration always builds the same table.
        ulong state = 0x9E3779B97F4A7C15;
        for (int bits = Math.Max(4, BitOperations.Log2((uint)Math.Max(1, entries.Length * 4) - 1) + 1); ; bits++)
        {
            int shift = 64 - bits;
            for (int attempt = 0; attempt < 10_000; attempt++)
            {
                state += 0x9E3779B97F4A7C15;
                ulong z = state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
                ulong multiplier = (z ^ (z >> 31)) | 1;
                var table = new ShortEntry[1 << bits];
                bool collided = false;
                foreach (Entry e in entries)
                {
                    ref ShortEntry slot = ref table[(int)((e.Head * multiplier) >> shift)];
                    if (slot.Length != 0)
                    {
                        collided = true;
                        break;
                    }
                    slot = new ShortEntry(e.Head, e.Length, e.Value);
                }
                if (!collided)
                    return (table, multiplier, shift);
            }
        }
    }

    private static int Find(List<Entry> bucket, byte[] utf8)
    {
        ulong head = Head(utf8);
        ReadOnlySpan<byte> tail = utf8.Length > 8 ? utf8.AsSpan(8) : default;
        foreach (Entry e in bucket)
        {
            if (e.Head == head && tail.SequenceEqual(e.Tail))
                return e.Value;
        }
        return -1;
    }

    /// <summary>The first (up to) 8 bytes as a little-endian word, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Head(ReadOnlySpan<byte> s)
    {
        int n = s.Length;
        if (n >= 8)
            return BinaryPrimitives.ReadUInt64LittleEndian(s);
        if (n >= 4)
        {
            // Two overlapping 4-byte reads; the overlap holds the same bytes in both, so OR is exact.
            ulong lo = BinaryPrimitives.ReadUInt32LittleEndian(s);
            ulong hi = BinaryPrimitives.ReadUInt32LittleEndian(s[(n - 4)..]);
            return lo | (hi << ((n - 4) * 8));
        }
        if (n == 0)
            return 0;
        return s[0] | ((ulong)s[n >> 1] << ((n >> 1) * 8)) | ((ulong)s[n - 1] << ((n - 1) * 8));
    }

    private readonly struct ShortEntry(ulong head, int length, int value)
    {
        public readonly ulong Head = head;
        /// <summary>0 marks an empty slot (names are never empty).</summary>
        public readonly int Length = length;
        public readonly int Value = value;
    }

    private readonly struct Entry(ulong head, int length, byte[] tail, int value)
    {
        public readonly ulong Head = head;
        public readonly int Length = length;
        public readonly byte[] Tail = tail;
        public readonly int Value = value;
    }
}
