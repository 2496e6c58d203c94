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
/// (<c>id</c>, <c>type</c>, <c>ts</c>, <c>journey</c>, <c>campaign</c>, <c>channel</c>, <c>source</c>,
/// <c>segment</c>, <c>cost</c>, <c>amount</c>, <c>currency</c>).
/// A property name is matched literally against the top-level properties of the event object;
/// nested paths such as <c>event.name</c> are not supported yet (spec/events.md, "Field mapping").
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

    /// <summary>The JSON property of the event id. Default <c>id</c>.</summary>
    public string IdProperty { get; set; } = "id";

    /// <summary>The JSON property of the stage. Default <c>type</c>.</summary>
    public string TypeProperty { get; set; } = "type";

    /// <summary>The JSON property of the event time. Default <c>ts</c>.</summary>
    public string TimestampProperty { get; set; } = "ts";

    /// <summary>The JSON property of the journey id. Default <c>journey</c>.</summary>
    public string JourneyProperty { get; set; } = "journey";

    /// <summary>The JSON property of the <c>campaign</c> dimension. Default <c>campaign</c>.</summary>
    public string CampaignProperty { get; set; } = "campaign";

    /// <summary>The JSON property of the <c>channel</c> dimension. Default <c>channel</c>.</summary>
    public string ChannelProperty { get; set; } = "channel";

    /// <summary>The JSON property of the <c>source</c> dimension. Default <c>source</c>.</summary>
    public string SourceProperty { get; set; } = "source";

    /// <summary>The JSON property of the <c>segment</c> dimension. Default <c>segment</c>.</summary>
    public string SegmentProperty { get; set; } = "segment";

    /// <summary>The JSON property of the cost. Default <c>cost</c>.</summary>
    public string CostProperty { get; set; } = "cost";

    /// <summary>The JSON property of the deal value. Default <c>amount</c>.</summary>
    public string AmountProperty { get; set; } = "amount";

    /// <summary>The JSON property of the currency code. Default <c>currency</c>.</summary>
    public string CurrencyProperty { get; set; } = "currency";

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
        string[] names = PropertyNames().Select(p => p.Key).ToArray();
        for (int field = 0; field < names.Length; field++)
        {
            string option = PropertyOptionNames[field];
            string name = names[field];
            Check(!string.IsNullOrEmpty(name) && Encoding.UTF8.GetByteCount(name) <= Utf8NameTable.MaxNameBytes,
                option, $"must be 1..{Utf8NameTable.MaxNameBytes} UTF-8 bytes (got '{name}')");
            int first = Array.IndexOf(names, name);
            Check(first == field, option, $"'{name}' is already the property of {PropertyOptionNames[first]}");
        }
    }

    /// <summary>The option that names each <see cref="EventField"/>'s property, in field order.</summary>
    private static readonly string[] PropertyOptionNames =
    [
        nameof(IdProperty), nameof(TypeProperty), nameof(TimestampProperty), nameof(JourneyProperty),
        nameof(CampaignProperty), nameof(ChannelProperty), nameof(SourceProperty), nameof(SegmentProperty),
        nameof(CostProperty), nameof(AmountProperty), nameof(CurrencyProperty),
    ];

    /// <summary>Each contract field's JSON property name, keyed by name, valued by <see cref="EventField"/>, in field order.</summary>
    internal IEnumerable<KeyValuePair<string, int>> PropertyNames()
    {
        yield return new(IdProperty, (int)EventField.Id);
        yield return new(TypeProperty, (int)EventField.Type);
        yield return new(TimestampProperty, (int)EventField.Timestamp);
        yield return new(JourneyProperty, (int)EventField.Journey);
        yield return new(CampaignProperty, (int)EventField.Campaign);
        yield return new(ChannelProperty, (int)EventField.Channel);
        yield return new(SourceProperty, (int)EventField.Source);
        yield return new(SegmentProperty, (int)EventField.Segment);
        yield return new(CostProperty, (int)EventField.Cost);
        yield return new(AmountProperty, (int)EventField.Amount);
        yield return new(CurrencyProperty, (int)EventField.Currency);
    }

    private static void Check(bool ok, string option, string message)
    {
        if (!ok)
            throw new ArgumentException($"{nameof(EventParserOptions)}.{option} {message}", option);
    }
}
