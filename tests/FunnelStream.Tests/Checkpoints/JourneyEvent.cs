namespace FunnelStream.Tests.Checkpoints;

/// <summary>A test event for <see cref="JourneyRig"/>: unique id, stage, event time, journey (null for none) and breakdown.</summary>
internal sealed record JourneyEvent(string Id, string Stage, long TimestampMs, string? Journey, string Campaign, string Channel);
