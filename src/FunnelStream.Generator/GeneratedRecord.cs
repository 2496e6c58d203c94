namespace FunnelStream.Generator;

/// <summary>One record of synthetic traffic, ready to produce to Kafka or to write as a JSON line.</summary>
/// <param name="Key">The journey id (the recommended record key, spec/events.md), or <c>null</c> for events outside any journey (impressions, spend reports).</param>
/// <param name="Value">
/// The UTF-8 JSON event: <c>id</c>, <c>type</c>, <c>ts</c> (RFC 3339 UTC with milliseconds, or epoch ms
/// when <see cref="TrafficOptions.NumericTimestampRate"/> says so), then when present <c>journey</c>,
/// <c>campaign</c>, <c>channel</c>, <c>source</c>, <c>segment</c>, <c>cost</c>, <c>amount</c>,
/// <c>currency</c> (<c>USD</c>, on events that carry money). Never contains a newline. A
/// <see cref="RecordKind.Duplicate"/> shares the array of the record it repeats: treat it as read-only.
/// </param>
/// <param name="Timestamp">The event time (for <see cref="RecordKind.Bad"/> records: the event time of the valid event they were derived from).</param>
/// <param name="Topic">The default input topic for the event's type (see <see cref="FunnelTopics"/>); bad records take their source event's topic.</param>
/// <param name="Kind">What was injected.</param>
public readonly record struct GeneratedRecord(string? Key, byte[] Value, DateTimeOffset Timestamp, string Topic, RecordKind Kind);
