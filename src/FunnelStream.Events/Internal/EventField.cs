namespace FunnelStream.Events.Internal;

/// <summary>
/// The contract's top-level fields (spec/events.md, "Envelope"). The value is the field's bit in the
/// parser's seen/present masks, so there are at most 32.
/// </summary>
internal enum EventField
{
    Id,
    Type,
    Timestamp,
    Journey,
    Campaign,
    Channel,
    Source,
    Segment,
    Cost,
    Amount,
    Currency,
}
