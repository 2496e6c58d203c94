using System.Text;
using FunnelStream.Events.Internal;

namespace FunnelStream.Events;

/// <summary>
/// Limits and names that <see cref="EventParser"/> applies to every record (spec/events.md).
/// The parser copies the values when it is constructed; changing them later does not affect it.
/// </summary>
/// <remarks>
/// Defaults: <see cref="MaxRecordBytes"/> 65536; <see cref="MaxFutureSkew"/> 15 minutes;
/// <see cref="MaxAge"/> 30 days; <see cref="MaxMoney"/> 1,000,000,000 currency units;
/// <see cref="Currency"/> <c>USD</c>; <see cref="MaxDepth"/> 16; property names as in the contract
/// (<see cref="FieldNames"/>: <c>id</c>, <c>type</c>, <c>ts</c>, <c>journey</c>, <c>campaign</c>,
/// <c>channel</c>, <c>source</c>, <c>segment</c>, <c>cost</c>, <c>amount</c>, <c>currency</c>);
/// <see cref="TypeValues"/> empty.
/// <para>Field mapping (spec/events.md, "Field mapping"): each <c>...Property</c> is a property name or a
/// dotted path of property names into nested objects (<c>event.name</c>, <c>properties.utm.campaign</c>);
/// see <see cref="CheckPath"/> for the syntax. A path is matched in the same single pass as the
/// top-level properties. When an object on the way (<c>event</c> of <c>event.name</c>) is missing, null,
/// an array or a scalar, the field is absent (so a required one is <c>missing_*</c>), not invalid:
/// an optional parent object is common in foreign schemas, and "null means absent" already holds for
/// the fields themselves. Paths never index into arrays. A property on a path that appears twice in
/// its object is <c>duplicate_field</c>, as for a top-level field. No path may equal, or be a parent of,
/// another field's path.</para>
/// </remarks>
public sealed class EventParserOptions
{
    /// <summary>The largest record value, in bytes, that is parsed; larger ones are rejected <c>too_large</c>. Default 65536.</summary>
    public int MaxRecordBytes { get; set; } = 65536;

    /// <summary>How far past "now" a <c>ts</c> may be before it is rejected <c>future_ts</c>. Default 15 minutes.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far before the age reference (see <see cref="EventParser.SetClock"/>) a <c>ts</c> may be before it is rejected <c>too_old</c>. Default 30 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The largest <c>cost</c> or <c>amount</c>, in currency units, inclusive; more is rejected <c>invalid_money</c>. Default 1,000,000,000; at most 9,000,000,000,000 so micro-units fit a <see cref="long"/>.</summary>
    public decimal MaxMoney { get; set; } = 1_000_000_000m;

    /// <summary>The ISO 4217 code of all money; an event whose <c>currency</c> differs is rejected <c>currency_mismatch</c>. Default <c>USD</c>.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>The deepest nesting of objects and arrays, the event object itself counting as 1; deeper records are rejected <c>too_deep</c>. Default 16, at most 64.</summary>
    public int MaxDepth { get; set; } = 16;

    /// <summary>The JSON property, or dotted path, of the event id. Default <c>id</c>.</summary>
    public string IdProperty { get; set; } = "id";

    /// <summary>The JSON property, or dotted path, of the stage. Default <c>type</c>.</summary>
    public string TypeProperty { get; set; } = "type";

    /// <summary>The JSON property, or dotted path, of the event time. Default <c>ts</c>.</summary>
    public string TimestampProperty { get; set; } = "ts";

    /// <summary>The JSON property, or dotted path, of the journey id. Default <c>journey</c>.</summary>
    public string JourneyProperty { get; set; } = "journey";

    /// <summary>The JSON property, or dotted path, of the <c>campaign</c> dimension. Default <c>campaign</c>.</summary>
    public string CampaignProperty { get; set; } = "campaign";

    /// <summary>The JSON property, or dotted path, of the <c>channel</c> dimension. Default <c>channel</c>.</summary>
    public string ChannelProperty { get; set; } = "channel";

    /// <summary>The JSON property, or dotted path, of the <c>source</c> dimension. Default <c>source</c>.</summary>
    public string SourceProperty { get; set; } = "source";

    /// <summary>The JSON property, or dotted path, of the <c>segment</c> dimension. Default <c>segment</c>.</summary>
    public string SegmentProperty { get; set; } = "segment";

    /// <summary>The JSON property, or dotted path, of the cost. Default <c>cost</c>.</summary>
    public string CostProperty { get; set; } = "cost";

    /// <summary>The JSON property, or dotted path, of the deal value. Default <c>amount</c>.</summary>
    public string AmountProperty { get; set; } = "amount";

    /// <summary>The JSON property, or dotted path, of the currency code. Default <c>currency</c>.</summary>
    public string CurrencyProperty { get; set; } = "currency";

    /// <summary>
    /// Foreign <c>type</c> values and the stage each stands for, e.g. <c>"Closed Won"</c> -&gt; <c>won</c>.
    /// Keys match the (unescaped) value exactly, case-sensitively, 1..256 UTF-8 bytes; values are stage
    /// names of the funnel (<c>spend</c> included), checked when the parser is built. A value not in
    /// this map goes through the normal stage lookup; a key that is itself a stage name overrides it.
    /// Default empty.
    /// </summary>
    public IDictionary<string, string> TypeValues { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The contract's field names in contract order: <c>id, type, ts, journey, campaign, channel, source, segment, cost, amount, currency</c>.</summary>
    public static IReadOnlyList<string> FieldNames => Array.AsReadOnly(ContractNames);

    // In EventField order.
    private static readonly string[] ContractNames =
        ["id", "type", "ts", "journey", "campaign", "channel", "source", "segment", "cost", "amount", "currency"];

    /// <summary>The property name or path that the contract field <paramref name="field"/> (one of <see cref="FieldNames"/>) is read from.</summary>
    /// <exception cref="ArgumentException"><paramref name="field"/> is not a contract field name.</exception>
    public string GetFieldPath(string field) => Paths()[FieldIndex(field)];

    /// <summary>Reads the contract field <paramref name="field"/> (one of <see cref="FieldNames"/>) from <paramref name="path"/>; same as setting its <c>...Property</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="field"/> is not a contract field name.</exception>
    public void SetFieldPath(string field, string path)
    {
        switch ((EventField)FieldIndex(field))
        {
            case EventField.Id: IdProperty = path; break;
            case EventField.Type: TypeProperty = path; break;
            case EventField.Timestamp: TimestampProperty = path; break;
            case EventField.Journey: JourneyProperty = path; break;
            case EventField.Campaign: CampaignProperty = path; break;
            case EventField.Channel: ChannelProperty = path; break;
            case EventField.Source: SourceProperty = path; break;
            case EventField.Segment: SegmentProperty = path; break;
            case EventField.Cost: CostProperty = path; break;
            case EventField.Amount: AmountProperty = path; break;
            default: CurrencyProperty = path; break;
        }
    }

    /// <summary>
    /// Why <paramref name="path"/> is not a valid property path, or <c>null</c> when it is. A path is one
    /// or more property names separated by <c>.</c>, each 1..256 UTF-8 bytes, at most
    /// <see cref="DepthCeiling"/> names; a property whose name contains <c>.</c> cannot be mapped.
    /// </summary>
    public static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return "must not be empty";
        string[] segments = path.Split(PathSeparator);
        if (segments.Any(s => s.Length == 0))
            return $"has an empty segment (got '{path}'; a path is property names separated by '.', e.g. event.name)";
        if (segments.Length >= DepthCeiling)
            return $"has more than {DepthCeiling - 1} segments (got '{path}')";
        string? tooLong = segments.FirstOrDefault(s => Encoding.UTF8.GetByteCount(s) > Utf8NameTable.MaxNameBytes);
        return tooLong is null ? null : $"has a segment longer than {Utf8NameTable.MaxNameBytes} UTF-8 bytes (got '{tooLong}')";
    }

    /// <summary>Separates the property names of a nested path.</summary>
    internal const char PathSeparator = '.';

    /// <summary>The largest accepted <see cref="MaxMoney"/>: 9e12 units is 9e18 micro-units, within <see cref="long"/>.</summary>
    internal const decimal MoneyCeiling = 9_000_000_000_000m;

    /// <summary>The largest accepted <see cref="MaxDepth"/>; the reader tracks up to 64 levels without allocating.</summary>
    internal const int DepthCeiling = 64;

    /// <summary>Throws <see cref="ArgumentException"/> (parameter name = the option) when an option is out of range.</summary>
    internal void Validate()
    {
        Check(MaxRecordBytes > 0, nameof(MaxRecordBytes), $"must be positive (got {MaxRecordBytes})");
        Check(MaxFutureSkew >= TimeSpan.Zero, nameof(MaxFutureSkew), $"must not be negative (got {MaxFutureSkew})");
        Check(MaxAge > TimeSpan.Zero, nameof(MaxAge), $"must be positive (got {MaxAge})");
        Check(MaxMoney > 0 && MaxMoney <= MoneyCeiling, nameof(MaxMoney), $"must be in (0, {MoneyCeiling}] (got {MaxMoney})");
        Check(Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), nameof(Currency), $"must be a three-letter upper-case ISO 4217 code such as USD (got '{Currency}')");
        Check(MaxDepth is >= 1 and <= DepthCeiling, nameof(MaxDepth), $"must be in [1, {DepthCeiling}] (got {MaxDepth})");
        string[] paths = Paths();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        for (int field = 0; field < paths.Length; field++)
        {
            string option = PropertyOptionNames[field];
            string path = paths[field];
            string? problem = CheckPath(path);
            Check(problem is null, option, $"{problem}");
            int segments = path.Count(c => c == PathSeparator) + 1;
            Check(segments <= MaxDepth, option, $"'{path}' is {segments} objects deep, deeper than {nameof(MaxDepth)} ({MaxDepth}) allows");
            for (int other = 0; other < field; other++)
            {
                Check(paths[other] != path, option, $"'{path}' is already the property of {PropertyOptionNames[other]}");
                Check(!IsParentPath(paths[other], path), option, $"'{path}' is inside '{paths[other]}', the property of {PropertyOptionNames[other]}");
                Check(!IsParentPath(path, paths[other]), option, $"'{path}' contains '{paths[other]}', the property of {PropertyOptionNames[other]}");
            }
            parents.UnionWith(ParentPaths(path));
            Check(parents.Count <= MaxParentObjects, option, $"'{path}' makes the paths go through more than {MaxParentObjects} distinct parent objects");
        }
        Check(TypeValues is not null, nameof(TypeValues), "must not be null");
        foreach ((string value, string stage) in TypeValues!)
        {
            Check(!string.IsNullOrEmpty(value) && Encoding.UTF8.GetByteCount(value) <= Utf8NameTable.MaxNameBytes,
                nameof(TypeValues), $"keys must be 1..{Utf8NameTable.MaxNameBytes} UTF-8 bytes (got '{value}')");
            Check(!string.IsNullOrEmpty(stage), nameof(TypeValues), $"'{value}' maps to no stage");
        }
    }

    /// <summary>The most distinct parent objects all paths may go through: the parser's seen-mask has 32 bits, one per field and one per parent.</summary>
    internal const int MaxParentObjects = 32 - FieldCount;

    /// <summary>The number of contract fields (<see cref="EventField"/>).</summary>
    internal const int FieldCount = 11;

    /// <summary>Each contract field's path, in field order.</summary>
    internal string[] Paths() =>
    [
        IdProperty, TypeProperty, TimestampProperty, JourneyProperty, CampaignProperty, ChannelProperty,
        SourceProperty, SegmentProperty, CostProperty, AmountProperty, CurrencyProperty,
    ];

    /// <summary>Whether <paramref name="parent"/> names an object that <paramref name="path"/> goes through.</summary>
    internal static bool IsParentPath(string parent, string path) =>
        path.Length > parent.Length && path[parent.Length] == PathSeparator && path.StartsWith(parent, StringComparison.Ordinal);

    /// <summary>The paths of the objects <paramref name="path"/> goes through: <c>a.b.c</c> gives <c>a</c>, <c>a.b</c>.</summary>
    internal static IEnumerable<string> ParentPaths(string path)
    {
        for (int dot = path.IndexOf(PathSeparator); dot >= 0; dot = path.IndexOf(PathSeparator, dot + 1))
            yield return path[..dot];
    }

    private static int FieldIndex(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        int index = Array.IndexOf(ContractNames, field);
        if (index < 0)
            throw new ArgumentException($"'{field}' is not a contract field; allowed: {string.Join(", ", FieldNames)}", nameof(field));
        return index;
    }

    /// <summary>The option that names each <see cref="EventField"/>'s property, in field order.</summary>
    private static readonly string[] PropertyOptionNames =
    [
        nameof(IdProperty), nameof(TypeProperty), nameof(TimestampProperty), nameof(JourneyProperty),
        nameof(CampaignProperty), nameof(ChannelProperty), nameof(SourceProperty), nameof(SegmentProperty),
        nameof(CostProperty), nameof(AmountProperty), nameof(CurrencyProperty),
    ];

    private static void Check(bool ok, string option, string message)
    {
        if (!ok)
            throw new ArgumentException($"{nameof(EventParserOptions)}.{option} {message}", option);
    }
}
