using System.Diagnostics.CodeAnalysis;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// Throws for the write path, so that the hot methods of <see cref="MetricsWriter"/> stay small and
/// build no message unless something is wrong.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void NoFamily() =>
        throw new InvalidOperationException("Write a sample only after BeginFamily: every sample belongs to the family begun last.");

    [DoesNotReturn]
    public static void Finished() =>
        throw new InvalidOperationException("The exposition is finished: nothing may be written after Finish.");

    [DoesNotReturn]
    public static void FamilyClash(MetricFamily family, string sampleName) =>
        throw new InvalidOperationException(
            $"Metric family '{family.Name}' would write '{sampleName}', which this exposition already has from an earlier family " +
            "(the same family written twice, or a clashing name): OpenMetrics forbids interleaved or clashing families, " +
            "so a collector writes each family once, whole.");

    [DoesNotReturn]
    public static void WrongSampleKind(MetricFamily family) =>
        throw new InvalidOperationException(family.Type == MetricType.Histogram
            ? $"Metric family '{family.Name}' is a histogram: write its samples with HistogramSample."
            : $"Metric family '{family.Name}' is a {family.Type.ToString().ToLowerInvariant()}: HistogramSample is for histograms only.");

    [DoesNotReturn]
    public static void CounterValue(MetricFamily family, double value) =>
        throw new ArgumentOutOfRangeException(nameof(value), value,
            $"Counter '{family.Name}' got {value}: a counter total must be zero or more and not NaN.");

    [DoesNotReturn]
    public static void BucketCountLength(MetricFamily family, int length) =>
        throw new ArgumentException(
            $"Histogram '{family.Name}' has {family.BucketCount} buckets (its upper bounds and +Inf), but {length} bucket counts were given.",
            "bucketCounts");

    [DoesNotReturn]
    public static void NegativeBucketCount(MetricFamily family, int bucket, long count) =>
        throw new ArgumentOutOfRangeException("bucketCounts", count,
            $"Histogram '{family.Name}' bucket {bucket} has a negative count.");

    [DoesNotReturn]
    public static void HistogramSum(MetricFamily family, double sum) =>
        throw new ArgumentOutOfRangeException(nameof(sum), sum,
            $"Histogram '{family.Name}' got sum {sum}: OpenMetrics treats a histogram's sum as a counter, so it must be zero or more and not NaN.");

    [DoesNotReturn]
    public static void LeLabel(MetricFamily family) =>
        throw new ArgumentException(
            $"Histogram '{family.Name}' cannot take a label set with an 'le' label: the writer adds 'le' to each bucket.", "labels");
}
