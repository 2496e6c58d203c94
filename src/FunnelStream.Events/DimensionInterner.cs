using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace FunnelStream.Events;

/// <summary>
/// Maps the values of one breakdown dimension to small integer ids, once per distinct value, so
/// that counters can live in arrays indexed by id. Id 0 is <c>unknown</c> (the value is missing),
/// id 1 is <c>other</c> (the value arrived after the dimension's budget of distinct values was spent).
/// </summary>
/// <remarks>
/// Thread safety: one writer (the parsing thread) calls <c>Intern</c>; any number of readers
/// may call <see cref="NameOf"/> and <see cref="Count"/> concurrently and see every id published
/// before the count they read. The literal values <c>unknown</c> and <c>other</c> map to ids 0 and 1.
/// Both <c>Intern</c> overloads belong to the writer and agree: a value's UTF-8 bytes and its
/// characters get the same id.
/// </remarks>
public sealed class DimensionInterner
{
    /// <summary>The id of a missing value.</summary>
    public const int UnknownId = 0;
    /// <summary>The id that every value past the budget folds into.</summary>
    public const int OtherId = 1;
    /// <summary>The label of <see cref="UnknownId"/>.</summary>
    public const string UnknownName = "unknown";
    /// <summary>The label of <see cref="OtherId"/>.</summary>
    public const string OtherName = "other";

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private string[] _names = new string[16];
    private int _count;
    private long _folded;

    // The writer's byte-keyed index over the same ids, so that the parser can intern UTF-8 without
    // transcoding: open addressing, linear probing, at most half full. Readers never touch it.
    private Utf8Slot[] _utf8Slots = new Utf8Slot[32];
    private int _utf8Used;

    /// <summary>Creates an interner that keeps at most <paramref name="maxValues"/> distinct values besides <c>unknown</c> and <c>other</c>.</summary>
    public DimensionInterner(string name, int maxValues)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxValues);
        Name = name;
        MaxValues = maxValues;
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        Add(UnknownName);
        Add(OtherName);
    }

    /// <summary>The dimension's name, e.g. <c>campaign</c>.</summary>
    public string Name { get; }

    /// <summary>The budget of distinct values kept as labels.</summary>
    public int MaxValues { get; }

    /// <summary>How many ids exist (including <c>unknown</c> and <c>other</c>).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>How many times a new value was folded into <c>other</c> because the budget was spent.</summary>
    public long FoldedCount => Volatile.Read(ref _folded);

    /// <summary>Returns the id of <paramref name="value"/>, assigning one if it is new and the budget allows.</summary>
    public int Intern(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out int id))
            return id;
        if (_count - 2 >= MaxValues)
        {
            _folded++;
            return OtherId;
        }
        return Add(value.ToString());
    }

    /// <summary>
    /// Returns the id of the value whose UTF-8 encoding is <paramref name="utf8"/> (the same id that
    /// <see cref="Intern(ReadOnlySpan{char})"/> gives the decoded value), assigning one if it is new and
    /// the budget allows. Allocates only when the value gets a new id.
    /// </summary>
    /// <remarks>Meant for valid UTF-8; invalid sequences are decoded to U+FFFD (as <see cref="Encoding.UTF8"/> does) on a slower path.</remarks>
    public int Intern(ReadOnlySpan<byte> utf8)
    {
        ulong hash = IndexHash(utf8);
        Utf8Slot[] slots = _utf8Slots;
        int mask = slots.Length - 1;
        for (int i = SlotOf(hash, slots.Length); ; i = (i + 1) & mask)
        {
            ref Utf8Slot slot = ref slots[i];
            if (slot.Key is null)
                break;
            if (slot.Hash == hash && utf8.SequenceEqual(slot.Key))
                return slot.Id;
        }
        return InternNew(utf8);
    }

    /// <summary>The value of <paramref name="id"/>.</summary>
    public string NameOf(int id) => Volatile.Read(ref _names)[id];

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int InternNew(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
            return Intern(Encoding.UTF8.GetString(utf8).AsSpan());
        if (_count - 2 >= MaxValues)
        {
            _folded++;
            return OtherId;
        }
        return Add(Encoding.UTF8.GetString(utf8), utf8.ToArray());
    }

    private int Add(string value) => Add(value, IsWellFormed(value) ? Encoding.UTF8.GetBytes(value) : null);

    /// <param name="value">The new value.</param>
    /// <param name="utf8">The key of <paramref name="value"/> in the byte index; <c>null</c> when the string has lone surrogates and so no UTF-8 form.</param>
    private int Add(string value, byte[]? utf8)
    {
        int id = _count;
        if (id == _names.Length)
        {
            string[] grown = new string[id * 2];
            Array.Copy(_names, grown, id);
            Volatile.Write(ref _names, grown);
        }
        _names[id] = value;
        _ids.Add(value, id);
        if (utf8 is not null)
            IndexUtf8(utf8, id);
        Volatile.Write(ref _count, id + 1);
        return id;
    }

    private void IndexUtf8(byte[] utf8, int id)
    {
        if ((_utf8Used + 1) * 2 > _utf8Slots.Length)
        {
            Utf8Slot[] old = _utf8Slots;
            _utf8Slots = new Utf8Slot[old.Length * 2];
            foreach (Utf8Slot s in old)
            {
                if (s.Key is not null)
                    Insert(_utf8Slots, s);
            }
        }
        Insert(_utf8Slots, new Utf8Slot { Hash = IndexHash(utf8), Key = utf8, Id = id });
        _utf8Used++;
    }

    private static void Insert(Utf8Slot[] slots, Utf8Slot slot)
    {
        int mask = slots.Length - 1;
        int i = SlotOf(slot.Hash, slots.Length);
        while (slots[i].Key is not null)
            i = (i + 1) & mask;
        slots[i] = slot;
    }

    /// <summary>
    /// A process-local hash for the byte index only (never persisted, unlike <see cref="StableHash"/>):
    /// whole 8-byte words with the last one overlapping, so there is no per-byte tail loop. Only its
    /// high bits are well mixed; <see cref="SlotOf"/> uses those.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong IndexHash(ReadOnlySpan<byte> utf8)
    {
        const ulong K = 0x9E3779B97F4A7C15;
        int n = utf8.Length;
        ulong h = (ulong)n * K;
        if (n >= 8)
        {
            int last = n - 8;
            for (int i = 0; i < last; i += 8)
                h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[i..])) * K;
            return (h ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[last..])) * K;
        }
        if (n >= 4)
            return (h ^ BinaryPrimitives.ReadUInt32LittleEndian(utf8) ^ (ulong)BinaryPrimitives.ReadUInt32LittleEndian(utf8[(n - 4)..]) << 32) * K;
        if (n > 0)
            return (h ^ utf8[0] ^ (ulong)utf8[n >> 1] << 8 ^ (ulong)utf8[n - 1] << 16) * K;
        return h;
    }

    /// <summary>Fibonacci hashing: the top bits of <paramref name="hash"/>, for a power-of-two table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ulong hash, int length) => (int)(hash >> (64 - BitOperations.Log2((uint)length)));

    private static bool IsWellFormed(string value)
    {
        ReadOnlySpan<char> rest = value;
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out int used) != OperationStatus.Done)
                return false;
            rest = rest[used..];
        }
        return true;
    }

    private struct Utf8Slot
    {
        public ulong Hash;
        public byte[]? Key;
        public int Id;
    }
}
