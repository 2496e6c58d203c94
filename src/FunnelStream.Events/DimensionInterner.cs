namespace FunnelStream.Events;

/// <summary>
/// Maps the values of one breakdown dimension to small integer ids, once per distinct value, so
/// that counters can live in arrays indexed by id. Id 0 is <c>unknown</c> (the value is missing),
/// id 1 is <c>other</c> (the value arrived after the dimension's budget of distinct values was spent).
/// </summary>
/// <remarks>
/// Thread safety: one writer (the parsing thread) calls <see cref="Intern"/>; any number of readers
/// may call <see cref="NameOf"/> and <see cref="Count"/> concurrently and see every id published
/// before the count they read. The literal values <c>unknown</c> and <c>other</c> map to ids 0 and 1.
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

    /// <summary>The value of <paramref name="id"/>.</summary>
    public string NameOf(int id) => Volatile.Read(ref _names)[id];

    private int Add(string value)
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
        Volatile.Write(ref _count, id + 1);
        return id;
    }
}
