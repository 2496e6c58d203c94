namespace FunnelStream.Events;

/// <summary>
/// Why a record was not counted. Every value has a stable snake_case label
/// (<see cref="RejectReasons.Label"/>) used in the <c>funnel_events_rejected_total{reason}</c>
/// metric and in the <c>funnelstream-reject-reason</c> header of dead-lettered records.
/// </summary>
/// <remarks>See spec/events.md, "Semantics the processor must honour".</remarks>
public enum RejectReason : byte
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>The value is not well-formed JSON (including truncated JSON), or not a JSON object.</summary>
    InvalidJson,
    /// <summary>The value contains bytes that are not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>The value is larger than the configured maximum record size.</summary>
    TooLarge,
    /// <summary>The JSON nests deeper than the parser allows.</summary>
    TooDeep,
    /// <summary>The same property appears twice in the event object, so its meaning is ambiguous.</summary>
    DuplicateField,
    /// <summary><c>id</c> is absent.</summary>
    MissingId,
    /// <summary><c>id</c> is not a string of 1..128 characters.</summary>
    InvalidId,
    /// <summary><c>type</c> is absent.</summary>
    MissingType,
    /// <summary><c>type</c> is not a string naming a configured stage or <c>spend</c>.</summary>
    UnknownType,
    /// <summary><c>ts</c> is absent.</summary>
    MissingTimestamp,
    /// <summary><c>ts</c> is neither an RFC 3339 string nor integer epoch milliseconds.</summary>
    InvalidTimestamp,
    /// <summary><c>ts</c> is further in the future than the configured skew allows.</summary>
    FutureTimestamp,
    /// <summary><c>ts</c> is older than the configured maximum age.</summary>
    TooOld,
    /// <summary><c>journey</c> is absent on a stage that requires it (lead and deal families).</summary>
    MissingJourney,
    /// <summary><c>journey</c> is not a string of 1..128 characters.</summary>
    InvalidJourney,
    /// <summary>A breakdown dimension (<c>campaign</c>, <c>channel</c>, ...) is not a string, or is too long.</summary>
    InvalidDimension,
    /// <summary><c>cost</c> or <c>amount</c> is not a finite number in [0, configured cap].</summary>
    InvalidMoney,
    /// <summary><c>currency</c> is not a three-letter code, or differs from the configured currency (no conversion is configured).</summary>
    CurrencyMismatch,
    /// <summary>The event is older than the watermark minus the allowed lateness (decided by the engine, not the parser).</summary>
    Late,
}

/// <summary>Stable labels for <see cref="RejectReason"/>.</summary>
public static class RejectReasons
{
    private static readonly string[] Labels =
    [
        "none", "invalid_json", "invalid_utf8", "too_large", "too_deep", "duplicate_field",
        "missing_id", "invalid_id", "missing_type", "unknown_type", "missing_ts", "invalid_ts",
        "future_ts", "too_old", "missing_journey", "invalid_journey", "invalid_dimension",
        "invalid_money", "currency_mismatch", "late",
    ];

    /// <summary>Every reason except <see cref="RejectReason.None"/>, in declaration order.</summary>
    public static IReadOnlyList<RejectReason> All { get; } =
        Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None).ToArray();

    /// <summary>The snake_case label of <paramref name="reason"/>, e.g. <c>invalid_json</c>.</summary>
    public static string Label(RejectReason reason) => Labels[(int)reason];

    /// <summary>Parses a label back to its reason; <c>false</c> for an unknown label.</summary>
    public static bool TryParse(string label, out RejectReason reason)
    {
        int i = Array.IndexOf(Labels, label);
        reason = i > 0 ? (RejectReason)i : RejectReason.None;
        return i > 0;
    }
}
