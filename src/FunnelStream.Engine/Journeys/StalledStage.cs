namespace FunnelStream.Engine.Journeys;

/// <summary>Journeys stalled in one stage: their furthest ordered stage is <paramref name="Stage"/> and they entered it more than <paramref name="Sla"/> before the watermark.</summary>
/// <param name="Stage">Stage id.</param>
/// <param name="Sla">The configured SLA of the stage.</param>
/// <param name="Count">Tracked journeys stalled there (closed journeys, e.g. <c>lost</c>, excluded).</param>
public readonly record struct StalledStage(int Stage, TimeSpan Sla, long Count);
