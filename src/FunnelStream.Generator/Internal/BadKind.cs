namespace FunnelStream.Generator.Internal;

/// <summary>The malformations of <see cref="RecordKind.Bad"/> records, drawn uniformly.</summary>
internal enum BadKind : byte
{
    InvalidJson,
    Truncated,
    NotAnObject,
    MissingId,
    EmptyId,
    UnknownType,
    NegativeCost,
    CostAsString,
    BadTimestamp,
    MissingTimestamp,
    MissingJourney,
    WrongCurrency,
    DuplicateField,
}
