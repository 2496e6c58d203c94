using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using FunnelStream.Events.Internal;

namespace FunnelStream.Events;

/// <summary>
/// Turns the UTF-8 JSON value of one record into a <see cref="FunnelEvent"/>, or names the
/// <see cref="RejectReason"/> it breaks (spec/events.md). One pass over the bytes with
/// <see cref="Utf8JsonReader"/>; no allocation per event except when a dimension value is seen for
/// the first time (interning).
/// </summary>
/// <remarks>
/// <para>Thread safety: none. Use one parser per parsing thread. The parser is the single writer of
/// the <see cref="DimensionInterner"/>s it is given, so those must not be shared with another parser.</para>
/// <para>When a record breaks several rules the reason is chosen in this order: <c>too_large</c>,
/// <c>invalid_utf8</c>, then malformed JSON (<c>invalid_json</c>, <c>too_deep</c>; the whole record is
/// read), <c>duplicate_field</c>, the first field (in record order) whose value is wrong
/// (<c>invalid_id</c>, <c>unknown_type</c>, <c>invalid_ts</c>, <c>invalid_journey</c>,
/// <c>invalid_dimension</c>, <c>invalid_money</c>, <c>currency_mismatch</c>), a missing required field
/// (<c>missing_id</c>, <c>missing_type</c>, <c>missing_ts</c>, <c>missing_journey</c>), and last the
/// time range (<c>future_ts</c>, <c>too_old</c>).</para>
/// <para>Choices where the contract is silent: JSON <c>null</c> means "absent" for every field (so a
/// null <c>id</c> is <c>missing_id</c>); a <c>type</c> that is not a string is <c>unknown_type</c>; a
/// string's length is counted in Unicode scalar values after unescaping; an empty dimension string is
/// <c>unknown</c>, like a missing one; a <c>currency</c> other than the configured one is rejected
/// even on an event that carries no money; contract fields that are not breakdown dimensions of this
/// funnel are ignored, but a duplicate of them is still <c>duplicate_field</c>; a string that escapes
/// a lone UTF-16 surrogate (<c>"\uD800"</c>) is an invalid value of its field; <c>NaN</c> and
/// <c>Infinity</c> are not JSON, so a record carrying them bare is <c>invalid_json</c> (as strings they
/// are <c>invalid_money</c>); a leading byte-order mark is <c>invalid_json</c>.</para>
/// <para>Field mapping (spec/events.md, "Field mapping"; rules in <see cref="EventParserOptions"/>) lives
/// in the tables built here, so the common path stays one lookup per property: a foreign <c>type</c>
/// value such as <c>Closed Won</c> is one more entry of the stage table; a nested path such as
/// <c>event.name</c> makes <c>event</c> an entry of the top-level property table whose value is not a
/// field but a parent object, with its own table, walked in the same reader pass (<see cref="ReadParent"/>).
/// Each parent object has a bit of its own in the seen-mask, after the fields' bits, so a parent that
/// appears twice is <c>duplicate_field</c> like a field that does.</para>
/// </remarks>
public sealed class EventParser
{
    /// <summary>The longest <c>id</c>, <c>journey</c> or dimension value, in Unicode scalar values.</summary>
    private const int MaxValueScalars = 128;

    /// <summary>
    /// Room for unescaping one string. A value of 128 scalars has at most 12 escaped bytes per
    /// scalar (<c>\uD83D\uDE00</c>); a longer raw value is too long for any field and is not unescaped.
    /// </summary>
    private const int ScratchBytes = 12 * MaxValueScalars;

    private const uint RequiredMask = 1u << (int)EventField.Id | 1u << (int)EventField.Type | 1u << (int)EventField.Timestamp;
    private const uint JourneyBit = 1u << (int)EventField.Journey;

    /// <summary>Top-level property names: a value below <see cref="EventParserOptions.FieldCount"/> is an <see cref="EventField"/>, above it a parent object's bit.</summary>
    private readonly Utf8NameTable _fields;
    /// <summary>Per parent object (bit - <see cref="EventParserOptions.FieldCount"/>): its property names, valued like <see cref="_fields"/>. Empty without nested paths.</summary>
    private readonly Utf8NameTable[] _parents;
    private readonly Utf8NameTable _stages;
    private readonly bool[] _requiresJourney;
    private readonly DimensionInterner[] _interners;
    /// <summary>Per <see cref="EventField"/>: its position in <see cref="FunnelDefinition.Dimensions"/>, or -1.</summary>
    private readonly int[] _dimensionSlot;
    private readonly JsonReaderOptions _readerOptions;
    private readonly int _maxRecordBytes;
    private readonly int _maxDepth;
    private readonly decimal _maxMoney;
    private readonly long _maxMoneyMicros;
    private readonly uint _currency;
    private readonly long _maxFutureSkewMs;
    private readonly long _maxAgeMs;
    private readonly byte[] _scratch = new byte[ScratchBytes];
    /// <summary>The masks and first error while <see cref="ReadParent"/> walks a parent object.</summary>
    private NestedState _nested;
    private long _latestAllowedMs;
    private long _earliestAllowedMs;

    /// <summary>Creates a parser for <paramref name="funnel"/>.</summary>
    /// <param name="funnel">The stages (values of <c>type</c>) and breakdown dimensions.</param>
    /// <param name="options">Limits and property names; validated here, copied.</param>
    /// <param name="interners">One interner per <see cref="FunnelDefinition.Dimensions"/>, same order and names. This parser becomes their only writer.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the interners do not match the dimensions.</exception>
    /// <remarks>Until <see cref="SetClock"/> is called, both "now" and the age reference are the wall clock at construction.</remarks>
    public EventParser(FunnelDefinition funnel, EventParserOptions options, IReadOnlyList<DimensionInterner> interners)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(interners);
        options.Validate();
        if (interners.Count != funnel.Dimensions.Count)
            throw new ArgumentException($"expected {funnel.Dimensions.Count} interners (one per dimension: {string.Join(", ", funnel.Dimensions)}), got {interners.Count}", nameof(interners));

        (_fields, _parents) = BuildPropertyTables(options.Paths());
        _stages = BuildStageTable(funnel, options.TypeValues);
        _requiresJourney = funnel.RequiresJourney.ToArray();
        _interners = new DimensionInterner[interners.Count];
        _dimensionSlot = Enumerable.Repeat(-1, Enum.GetValues<EventField>().Length).ToArray();
        for (int i = 0; i < interners.Count; i++)
        {
            DimensionInterner interner = interners[i] ?? throw new ArgumentException($"interner {i} is null", nameof(interners));
            if (interner.Name != funnel.Dimensions[i])
                throw new ArgumentException($"interner {i} is for '{interner.Name}', but dimension {i} is '{funnel.Dimensions[i]}'", nameof(interners));
            _interners[i] = interner;
            _dimensionSlot[(int)DimensionField(funnel.Dimensions[i])] = i;
        }

        // The reader's own limit is one deeper than ours, so that SkipContainer sees the offending
        // container first and can say too_deep instead of a generic JsonException.
        _readerOptions = new JsonReaderOptions { MaxDepth = options.MaxDepth + 1 };
        _maxRecordBytes = options.MaxRecordBytes;
        _maxDepth = options.MaxDepth;
        _maxMoney = options.MaxMoney;
        _maxMoneyMicros = (long)decimal.Floor(options.MaxMoney * Micros.PerUnit);
        _currency = Pack3(options.Currency[0], options.Currency[1], options.Currency[2]);
        _maxFutureSkewMs = (long)options.MaxFutureSkew.TotalMilliseconds;
        _maxAgeMs = (long)options.MaxAge.TotalMilliseconds;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SetClock(now, now);
    }

    /// <summary>Sets the clock for the records parsed next; call it once per batch.</summary>
    /// <param name="nowMs">The current time, Unix epoch ms: a <c>ts</c> later than this plus <see cref="EventParserOptions.MaxFutureSkew"/> is <c>future_ts</c>.</param>
    /// <param name="ageReferenceMs">Unix epoch ms that age is measured from: a <c>ts</c> earlier than this minus <see cref="EventParserOptions.MaxAge"/> is <c>too_old</c>. The live worker passes now; replay passes the newest <c>ts</c> of its input.</param>
    public void SetClock(long nowMs, long ageReferenceMs)
    {
        _latestAllowedMs = nowMs > long.MaxValue - _maxFutureSkewMs ? long.MaxValue : nowMs + _maxFutureSkewMs;
        _earliestAllowedMs = ageReferenceMs < long.MinValue + _maxAgeMs ? long.MinValue : ageReferenceMs - _maxAgeMs;
    }

    /// <summary>Parses one record value. Never throws.</summary>
    /// <param name="utf8">The record value: one JSON object, UTF-8, optionally followed by JSON whitespace.</param>
    /// <param name="evt">The event when the result is <see cref="RejectReason.None"/>; otherwise <c>default</c>.</param>
    /// <returns><see cref="RejectReason.None"/>, or why the record is rejected (see the class remarks for which reason wins).</returns>
    public RejectReason Parse(ReadOnlySpan<byte> utf8, out FunnelEvent evt)
    {
        evt = default;
        if (utf8.Length > _maxRecordBytes)
            return RejectReason.TooLarge;
        if (!Utf8.IsValid(utf8))
            return RejectReason.InvalidUtf8;
        RejectReason reason;
        try
        {
            reason = ParseObject(utf8, ref evt);
        }
        catch (JsonException)
        {
            // The reader found malformed or truncated JSON (depth is checked by SkipContainer first).
            reason = RejectReason.InvalidJson;
        }
        if (reason != RejectReason.None)
            evt = default;
        return reason;
    }

    // Not inlined into Parse: compiled inside Parse's try region, the loop kept its locals on the
    // stack and parsing took ~15% longer (ParseBenchmarks).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason ParseObject(ReadOnlySpan<byte> utf8, ref FunnelEvent evt)
    {
        var reader = new Utf8JsonReader(utf8, _readerOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return RejectReason.InvalidJson;

        uint seen = 0;
        uint present = 0;
        bool duplicate = false;
        RejectReason firstError = RejectReason.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int field = FindField(ref reader);
            if (!reader.Read())
                return RejectReason.InvalidJson;
            if (field >= 0)
            {
                uint bit = 1u << field;
                if ((seen & bit) != 0)
                {
                    duplicate = true;
                }
                else
                {
                    seen |= bit;
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        if (field < EventParserOptions.FieldCount)
                        {
                            present |= bit;
                            RejectReason error = ReadField((EventField)field, ref reader, ref evt);
                            if (error != RejectReason.None && firstError == RejectReason.None)
                                firstError = error;
                        }
                        else
                        {
                            // A parent object of mapped paths (never taken without nested paths). Its
                            // state goes through fields, not by-ref locals: address-taken locals would
                            // live on the stack for the whole loop.
                            _nested = new NestedState(seen, present, firstError);
                            RejectReason fatal = ReadParent(ref reader, field, ref evt);
                            if (fatal != RejectReason.None)
                                return fatal;
                            (seen, present, firstError) = (_nested.Seen, _nested.Present, _nested.FirstError);
                            duplicate |= _nested.Duplicate;
                        }
                    }
                }
            }
            JsonTokenType token = reader.TokenType;
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                RejectReason skipped = SkipContainer(ref reader);
                if (skipped != RejectReason.None)
                    return skipped;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0
            || !IsJsonWhitespace(utf8[(int)reader.BytesConsumed..]))
        {
            return RejectReason.InvalidJson;
        }

        if (duplicate)
            return RejectReason.DuplicateField;
        if (firstError != RejectReason.None)
            return firstError;
        if ((present & RequiredMask) != RequiredMask)
            return MissingRequired(present);
        if ((present & JourneyBit) == 0 && _requiresJourney[evt.Stage])
            return RejectReason.MissingJourney;
        if (evt.TimestampMs > _latestAllowedMs)
            return RejectReason.FutureTimestamp;
        if (evt.TimestampMs < _earliestAllowedMs)
            return RejectReason.TooOld;
        return RejectReason.None;
    }

    /// <summary>
    /// Reads the (non-null) value of a parent object of mapped paths into <paramref name="evt"/> and
    /// <see cref="_nested"/>. When the value is an object, reads it to its end (the reader is left on its
    /// <c>EndObject</c>); otherwise reads nothing, so the fields under it stay absent and an array is
    /// skipped by the caller like any other.
    /// </summary>
    /// <returns><see cref="RejectReason.None"/>, or a reason that ends the record (<c>too_deep</c>, <c>invalid_json</c>).</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason ReadParent(ref Utf8JsonReader reader, int parent, ref FunnelEvent evt)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            return RejectReason.None;
        if (reader.CurrentDepth >= _maxDepth)
            return RejectReason.TooDeep;
        Utf8NameTable names = _parents[parent - EventParserOptions.FieldCount];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int field = reader.ValueIsEscaped ? FindEscaped(names, reader.ValueSpan) : names.Find(reader.ValueSpan);
            if (!reader.Read())
                return RejectReason.InvalidJson;
            if (field >= 0)
            {
                uint bit = 1u << field;
                if ((_nested.Seen & bit) != 0)
                {
                    _nested.Duplicate = true;
                }
                else
                {
                    _nested.Seen |= bit;
                    if (reader.TokenType != JsonTokenType.Null && field < EventParserOptions.FieldCount)
                    {
                        _nested.Present |= bit;
                        RejectReason error = ReadField((EventField)field, ref reader, ref evt);
                        if (error != RejectReason.None && _nested.FirstError == RejectReason.None)
                            _nested.FirstError = error;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        RejectReason fatal = ReadParent(ref reader, field, ref evt);
                        if (fatal != RejectReason.None)
                            return fatal;
                    }
                }
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                RejectReason skipped = SkipContainer(ref reader);
                if (skipped != RejectReason.None)
                    return skipped;
            }
        }
        return reader.TokenType == JsonTokenType.EndObject ? RejectReason.None : RejectReason.InvalidJson;
    }

    /// <summary>Reads the (non-null) value of one contract field into <paramref name="evt"/>; leaves containers unread.</summary>
    private RejectReason ReadField(EventField field, ref Utf8JsonReader reader, ref FunnelEvent evt)
    {
        ReadOnlySpan<byte> text;
        switch (field)
        {
            case EventField.Id:
                if (!TryGetString(ref reader, out text) || !HasValidLength(text))
                    return RejectReason.InvalidId;
                evt.IdHash = StableHash.Hash(text);
                return RejectReason.None;
            case EventField.Type:
                int stage;
                if (!TryGetString(ref reader, out text) || (stage = _stages.Find(text)) < 0)
                    return RejectReason.UnknownType;
                evt.Stage = (byte)stage;
                return RejectReason.None;
            case EventField.Timestamp:
                return ReadTimestamp(ref reader, out evt.TimestampMs);
            case EventField.Journey:
                if (!TryGetString(ref reader, out text) || !HasValidLength(text))
                    return RejectReason.InvalidJourney;
                evt.JourneyHash = StableHash.Hash(text);
                return RejectReason.None;
            case EventField.Cost:
                return ReadMoney(ref reader, out evt.CostMicros);
            case EventField.Amount:
                return ReadMoney(ref reader, out evt.AmountMicros);
            case EventField.Currency:
                return ReadCurrency(ref reader);
            default:
                return ReadDimension(field, ref reader, ref evt);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RejectReason ReadDimension(EventField field, ref Utf8JsonReader reader, ref FunnelEvent evt)
    {
        int slot = _dimensionSlot[(int)field];
        if (slot < 0)
            return RejectReason.None;  // a contract field, but not a breakdown of this funnel
        if (!TryGetString(ref reader, out ReadOnlySpan<byte> text) || (text.Length > MaxValueScalars && !HasValidLengthSlow(text)))
            return RejectReason.InvalidDimension;
        if (text.Length != 0)
            evt.Dimensions[slot] = _interners[slot].Intern(text);
        return RejectReason.None;
    }

    private RejectReason ReadTimestamp(ref Utf8JsonReader reader, out long unixMs)
    {
        if (reader.TokenType == JsonTokenType.Number)
            return reader.TryGetInt64(out unixMs) ? RejectReason.None : RejectReason.InvalidTimestamp;
        unixMs = 0;
        return TryGetString(ref reader, out ReadOnlySpan<byte> text) && Rfc3339.TryParseUnixMs(text, out unixMs)
            ? RejectReason.None
            : RejectReason.InvalidTimestamp;
    }

    private RejectReason ReadMoney(ref Utf8JsonReader reader, out long micros)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            micros = 0;
            return RejectReason.InvalidMoney;
        }
        if (!Micros.TryParsePlain(reader.ValueSpan, out micros))
            return ReadMoneySlow(ref reader, out micros);
        return micros <= _maxMoneyMicros ? RejectReason.None : RejectReason.InvalidMoney;
    }

    /// <summary>Signs, exponents, more than 6 decimals: through <see cref="decimal"/>. The cap applies to the exact value, before rounding.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason ReadMoneySlow(ref Utf8JsonReader reader, out long micros)
    {
        micros = 0;
        // A negative number too small for decimal (-1e-400) reads as -0, so the sign is checked on the text.
        if (!reader.TryGetDecimal(out decimal value) || value < 0 || value > _maxMoney || Micros.IsNegativeNonZero(reader.ValueSpan))
            return RejectReason.InvalidMoney;
        micros = Micros.FromDecimal(value);
        return RejectReason.None;
    }

    private RejectReason ReadCurrency(ref Utf8JsonReader reader)
    {
        // _currency holds three upper-case letters, so equality also proves the code well-formed.
        if (!TryGetString(ref reader, out ReadOnlySpan<byte> code) || code.Length != 3 || Pack3(code[0], code[1], code[2]) != _currency)
            return RejectReason.CurrencyMismatch;
        return RejectReason.None;
    }

    /// <summary>The bytes of a string token, unescaped if needed; <c>false</c> when the token is not a string or does not unescape to text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryGetString(scoped ref Utf8JsonReader reader, out ReadOnlySpan<byte> text)
    {
        text = reader.ValueSpan;
        if (reader.TokenType != JsonTokenType.String)
            return false;
        return !reader.ValueIsEscaped || TryUnescape(ref text);
    }

    /// <summary>Unescapes into the scratch buffer, valid until the next call. Too long to fit means too long for any field.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryUnescape(ref ReadOnlySpan<byte> text)
    {
        byte[] scratch = _scratch;
        if (text.Length > scratch.Length || !JsonStrings.TryUnescape(text, scratch, out int written))
            return false;
        text = scratch.AsSpan(0, written);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindField(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? FindEscapedField(reader.ValueSpan) : _fields.Find(reader.ValueSpan);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FindEscapedField(ReadOnlySpan<byte> raw) => FindEscaped(_fields, raw);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FindEscaped(Utf8NameTable names, ReadOnlySpan<byte> raw)
    {
        byte[] scratch = _scratch;
        if (raw.Length > scratch.Length || !JsonStrings.TryUnescape(raw, scratch, out int written))
            return -1;
        return names.Find(scratch.AsSpan(0, written));
    }

    /// <summary>
    /// Skips the object or array the reader is on, enforcing <see cref="EventParserOptions.MaxDepth"/>
    /// (the event object is depth 1). Unknown properties, and contract fields of the wrong type, come here.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RejectReason SkipContainer(ref Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        if (depth >= _maxDepth)
            return RejectReason.TooDeep;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= _maxDepth:
                    return RejectReason.TooDeep;
                case JsonTokenType.EndObject or JsonTokenType.EndArray when reader.CurrentDepth == depth:
                    return RejectReason.None;
            }
        }
        return RejectReason.InvalidJson;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static RejectReason MissingRequired(uint present) =>
        (present & 1u << (int)EventField.Id) == 0 ? RejectReason.MissingId
        : (present & 1u << (int)EventField.Type) == 0 ? RejectReason.MissingType
        : RejectReason.MissingTimestamp;

    /// <summary>1..128 scalars; checked on bytes first, since a value of at most 128 bytes has at most 128 scalars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasValidLength(ReadOnlySpan<byte> text) =>
        (uint)(text.Length - 1) < MaxValueScalars || HasValidLengthSlow(text);

    private static bool HasValidLengthSlow(ReadOnlySpan<byte> text) =>
        text.Length > 0 && text.Length <= 4 * MaxValueScalars && JsonStrings.CountScalars(text) <= MaxValueScalars;

    private static bool IsJsonWhitespace(ReadOnlySpan<byte> rest) =>
        rest.IsEmpty || rest.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    private static uint Pack3(int a, int b, int c) => (uint)(a | b << 8 | c << 16);

    /// <summary>
    /// The top-level property table and one table per parent object of the (validated) field paths.
    /// A parent's value in its own parent's table is its bit: <see cref="EventParserOptions.FieldCount"/>
    /// plus its index, in order of first appearance.
    /// </summary>
    private static (Utf8NameTable Top, Utf8NameTable[] Parents) BuildPropertyTables(string[] paths)
    {
        var parentBits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string parent in paths.SelectMany(EventParserOptions.ParentPaths))
            parentBits.TryAdd(parent, EventParserOptions.FieldCount + parentBits.Count);

        // Entries per table, keyed by the parent's path ("" for the event object).
        var entries = new Dictionary<string, List<KeyValuePair<string, int>>>(StringComparer.Ordinal) { [""] = [] };
        foreach (string parent in parentBits.Keys)
            entries[parent] = [];
        void Add(string path, int value)
        {
            int dot = path.LastIndexOf(EventParserOptions.PathSeparator);
            entries[dot < 0 ? "" : path[..dot]].Add(new(path[(dot + 1)..], value));
        }
        for (int field = 0; field < paths.Length; field++)
            Add(paths[field], field);
        foreach ((string parent, int bit) in parentBits)
            Add(parent, bit);
        return (new Utf8NameTable(entries[""]), parentBits.Keys.Select(p => new Utf8NameTable(entries[p])).ToArray());
    }

    /// <summary>The funnel's stage names, then the foreign <c>type</c> values, which win over a stage of the same name.</summary>
    private static Utf8NameTable BuildStageTable(FunnelDefinition funnel, IDictionary<string, string> typeValues)
    {
        var stages = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < funnel.Stages.Count; id++)
            stages[funnel.Stages[id]] = id;
        foreach ((string value, string stage) in typeValues)
        {
            int id = funnel.IndexOf(stage);
            if (id < 0)
                throw new ArgumentException($"{nameof(EventParserOptions)}.{nameof(EventParserOptions.TypeValues)}: '{value}' maps to '{stage}', which is not a stage of the funnel ({string.Join(", ", funnel.Stages)})", nameof(EventParserOptions.TypeValues));
            stages[value] = id;
        }
        return new Utf8NameTable(stages);
    }

    /// <summary>The record's masks and first error, handed to and back from <see cref="ReadParent"/>.</summary>
    private struct NestedState(uint seen, uint present, RejectReason firstError)
    {
        public uint Seen = seen;
        public uint Present = present;
        public RejectReason FirstError = firstError;
        public bool Duplicate;
    }

    private static EventField DimensionField(string dimension) => dimension switch
    {
        "campaign" => EventField.Campaign,
        "channel" => EventField.Channel,
        "source" => EventField.Source,
        "segment" => EventField.Segment,
        _ => throw new ArgumentException($"'{dimension}' is not a contract dimension", nameof(dimension)),
    };
}
