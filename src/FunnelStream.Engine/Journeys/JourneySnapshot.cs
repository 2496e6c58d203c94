namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Everything <see cref="JourneyStore"/> reports, as of one full pass: conversion per cohort, time to
/// convert, sales cycle, stalled journeys and the store's own health. Immutable, so a scrape may read
/// it from any thread while the engine thread builds the next one.
/// </summary>
public sealed class JourneySnapshot
{
    internal JourneySnapshot(long watermarkMs, TransitionSnapshot[] transitions, HistogramSnapshot salesCycle,
        StalledStage[] stalled, long trackedJourneys, long evictions, long expirations, long estimatedBytes)
    {
        WatermarkMs = watermarkMs;
        Transitions = transitions;
        SalesCycle = salesCycle;
        Stalled = stalled;
        TrackedJourneys = trackedJourneys;
        Evictions = evictions;
        Expirations = expirations;
        EstimatedBytes = estimatedBytes;
    }

    /// <summary>The watermark the snapshot was taken at, epoch ms (<see cref="long.MinValue"/> for the empty initial snapshot).</summary>
    public long WatermarkMs { get; }

    /// <summary>One entry per adjacent pair of the ordered funnel, top to bottom.</summary>
    public IReadOnlyList<TransitionSnapshot> Transitions { get; }

    /// <summary>ts(won) − ts(lead) over journeys that reached both (won not before lead), recorded once per journey when final.</summary>
    public HistogramSnapshot SalesCycle { get; }

    /// <summary>One entry per ordered stage that has an SLA, top to bottom.</summary>
    public IReadOnlyList<StalledStage> Stalled { get; }

    /// <summary>Journeys held when the snapshot was taken (a gauge).</summary>
    public long TrackedJourneys { get; }

    /// <summary>Journeys evicted because the store was at its cap, since start (a counter).</summary>
    public long Evictions { get; }

    /// <summary>Journeys forgotten after a conversion window without activity, since start (a counter).</summary>
    public long Expirations { get; }

    /// <summary>Bytes held by the journey table's arrays (capacity, not just the used part).</summary>
    public long EstimatedBytes { get; }
}
