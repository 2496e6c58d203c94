namespace FunnelStream.Engine.Journeys;

/// <summary>A duration histogram as Prometheus exposes one: cumulative bucket counts, sum and count, in seconds. Immutable.</summary>
/// <remarks>Durations are whole seconds (the store's resolution); a value lands in the first bucket whose bound is ≥ it.</remarks>
public sealed class HistogramSnapshot
{
    internal HistogramSnapshot(double[] upperBounds, long[] cumulative, long sumSeconds)
    {
        UpperBoundsSeconds = upperBounds;
        CumulativeCounts = cumulative;
        SumSeconds = sumSeconds;
    }

    /// <summary>The finite bucket bounds (<c>le</c>), seconds, ascending; <c>+Inf</c> is not listed.</summary>
    public IReadOnlyList<double> UpperBoundsSeconds { get; }

    /// <summary>Per bucket, the observations ≤ its bound; one more entry than <see cref="UpperBoundsSeconds"/>, the last (<c>+Inf</c>) equal to <see cref="Count"/>.</summary>
    public IReadOnlyList<long> CumulativeCounts { get; }

    /// <summary>The sum of the observed durations, seconds.</summary>
    public long SumSeconds { get; }

    /// <summary>The number of observations.</summary>
    public long Count => CumulativeCounts[^1];
}
