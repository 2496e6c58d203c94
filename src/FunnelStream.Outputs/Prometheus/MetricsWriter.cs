using System.Buffers;
using System.Runtime.CompilerServices;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// Writes one exposition, family by family, as UTF-8 into an <see cref="IBufferWriter{T}"/>:
/// <see cref="BeginFamily"/>, then that family's samples, then the next family, and finally
/// <see cref="Finish"/>.
/// </summary>
/// <remarks>
/// <para>
/// Single-threaded: one writer serves one scrape on one thread at a time. Concurrent scrapes each
/// use their own writer (<see cref="MetricsRegistry"/> hands them out).
/// </para>
/// <para>
/// The write path copies precomputed bytes and formats numbers straight into the output buffer: no
/// strings, LINQ or boxing, and no allocation once the writer's set of family names has grown to
/// the exposition's size.
/// </para>
/// <para>
/// Contract violations throw, leaving the exposition incomplete (serve it as an error, not as
/// metrics): a sample before any family, a counter total below zero or NaN, a histogram with the
/// wrong number of buckets, a negative bucket count or a sum below zero or NaN, a histogram series
/// with an <c>le</c> label, a family written twice (or whose sample names clash with an earlier
/// family's), or anything after <see cref="Finish"/>. Each series must appear once per family; that
/// is the caller's to keep, as checking it would cost a set lookup per sample.
/// </para>
/// </remarks>
public sealed class MetricsWriter
{
    private readonly HashSet<string> _claimedNames = new(StringComparer.Ordinal);
    private IBufferWriter<byte>? _output;
    private MetricFamily? _family;

    /// <summary>A writer for one exposition in <paramref name="format"/> into <paramref name="output"/>.</summary>
    public MetricsWriter(IBufferWriter<byte> output, ExpositionFormat format)
    {
        Reset(output, format);
    }

    /// <summary>The format this exposition is written in.</summary>
    public ExpositionFormat Format { get; private set; }

    /// <summary>
    /// Sample lines written so far in this exposition: one per counter or gauge sample, and per histogram
    /// series one per bucket plus <c>_sum</c> and <c>_count</c>, i.e. the time series Prometheus stores.
    /// </summary>
    public int SeriesWritten { get; private set; }

    /// <summary>
    /// Writes <paramref name="family"/>'s metadata lines; the samples written next belong to it.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The family, or one whose sample names clash with it, was already written in this exposition,
    /// or the exposition is finished.
    /// </exception>
    public void BeginFamily(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        IBufferWriter<byte> output = Output();
        foreach (string name in family.ClaimedNames)
        {
            if (!_claimedNames.Add(name))
                ThrowHelper.FamilyClash(family, name);
        }
        output.Write(family.Header(Format));
        _family = family;
    }

    /// <summary>Writes one counter or gauge sample with a floating-point value.</summary>
    /// <param name="labels">The series' labels.</param>
    /// <param name="value">
    /// Any value for a gauge (<c>NaN</c>, <c>+Inf</c> and <c>-Inf</c> included); for a counter, zero
    /// or more and not NaN. Written as the shortest decimal that round-trips.
    /// </param>
    public void Sample(LabelSet labels, double value)
    {
        ArgumentNullException.ThrowIfNull(labels);
        MetricFamily family = CurrentFamily();
        if (family.Type == MetricType.Histogram)
            ThrowHelper.WrongSampleKind(family);
        if (family.Type == MetricType.Counter && !(value >= 0))
            ThrowHelper.CounterValue(family, value);
        WriteLine(family.SampleName, labels.Encoded, value);
    }

    /// <summary>Writes one counter or gauge sample with an integer value, in plain digits.</summary>
    /// <param name="labels">The series' labels.</param>
    /// <param name="value">Any value for a gauge; zero or more for a counter.</param>
    public void Sample(LabelSet labels, long value)
    {
        ArgumentNullException.ThrowIfNull(labels);
        MetricFamily family = CurrentFamily();
        if (family.Type == MetricType.Histogram)
            ThrowHelper.WrongSampleKind(family);
        if (family.Type == MetricType.Counter && value < 0)
            ThrowHelper.CounterValue(family, value);
        WriteLine(family.SampleName, labels.Encoded, value);
    }

    /// <summary>
    /// Writes one histogram series: a cumulative <c>_bucket</c> line per bound and <c>+Inf</c>, then
    /// <c>_sum</c> and <c>_count</c>.
    /// </summary>
    /// <param name="labels">The series' labels, without <c>le</c> (the writer adds it to each bucket).</param>
    /// <param name="bucketCounts">
    /// Observations per bucket, NOT cumulative: element <c>i</c> counts the observations above bound
    /// <c>i - 1</c> and at most bound <c>i</c>; the last element counts those above the highest bound.
    /// Its length is <see cref="MetricFamily.BucketCount"/>. The writer accumulates them, so the
    /// <c>+Inf</c> bucket and <c>_count</c> are their total.
    /// </param>
    /// <param name="sum">The sum of the observations; zero or more and not NaN.</param>
    public void HistogramSample(LabelSet labels, ReadOnlySpan<long> bucketCounts, double sum)
    {
        ArgumentNullException.ThrowIfNull(labels);
        MetricFamily family = CurrentFamily();
        if (family.Type != MetricType.Histogram)
            ThrowHelper.WrongSampleKind(family);
        if (bucketCounts.Length != family.BucketCount)
            ThrowHelper.BucketCountLength(family, bucketCounts.Length);
        if (labels.HasLe)
            ThrowHelper.LeLabel(family);
        if (!(sum >= 0))
            ThrowHelper.HistogramSum(family, sum);

        long cumulative = 0;
        for (int i = 0; i < bucketCounts.Length; i++)
        {
            if (bucketCounts[i] < 0)
                ThrowHelper.NegativeBucketCount(family, i, bucketCounts[i]);
            cumulative = checked(cumulative + bucketCounts[i]);
            WriteBucketLine(family.SampleName, labels.BucketPrefix, family.BucketLabel(i), cumulative);
        }
        WriteLine(family.SumName, labels.Encoded, sum);
        WriteLine(family.CountName, labels.Encoded, cumulative);
    }

    /// <summary>
    /// Ends the exposition: writes <c># EOF</c> and a line feed in OpenMetrics, nothing in text 0.0.4.
    /// Nothing may be written afterwards.
    /// </summary>
    public void Finish()
    {
        IBufferWriter<byte> output = Output();
        if (Format == ExpositionFormat.OpenMetrics100)
            output.Write("# EOF\n"u8);
        _output = null;
        _family = null;
    }

    /// <summary>Makes the writer ready for a new exposition, forgetting the families written.</summary>
    internal void Reset(IBufferWriter<byte> output, ExpositionFormat format)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (format is not (ExpositionFormat.PrometheusText004 or ExpositionFormat.OpenMetrics100))
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown exposition format.");
        _output = output;
        Format = format;
        _family = null;
        SeriesWritten = 0;
        _claimedNames.Clear();
    }

    /// <summary>Drops the reference to the output, so a pooled writer does not keep a response's buffer alive.</summary>
    internal void Release()
    {
        _output = null;
        _family = null;
    }

    private IBufferWriter<byte> Output()
    {
        IBufferWriter<byte>? output = _output;
        if (output is null)
            ThrowHelper.Finished();
        return output;
    }

    private MetricFamily CurrentFamily()
    {
        if (_output is null)
            ThrowHelper.Finished();
        MetricFamily? family = _family;
        if (family is null)
            ThrowHelper.NoFamily();
        return family;
    }

    // name labels SP value LF, in one span of the output.
    private void WriteLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, double value)
    {
        Span<byte> line = _output!.GetSpan(name.Length + labels.Length + ExpositionNumbers.MaxLength + 2);
        int at = Put(line, 0, name);
        at = Put(line, at, labels);
        line[at++] = (byte)' ';
        at += ExpositionNumbers.WriteDouble(value, line[at..], Format);
        line[at++] = (byte)'\n';
        _output.Advance(at);
        SeriesWritten++;
    }

    private void WriteLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, long value)
    {
        Span<byte> line = _output!.GetSpan(name.Length + labels.Length + ExpositionNumbers.MaxLength + 2);
        int at = Put(line, 0, name);
        at = Put(line, at, labels);
        line[at++] = (byte)' ';
        at += ExpositionNumbers.WriteInt64(value, line[at..]);
        line[at++] = (byte)'\n';
        _output.Advance(at);
        SeriesWritten++;
    }

    // name_bucket{labels,le="bound"} count LF: the series' bucket prefix and the family's le bytes
    // are both precomputed, so a bucket line is three copies and one integer.
    private void WriteBucketLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labelPrefix, ReadOnlySpan<byte> le, long count)
    {
        Span<byte> line = _output!.GetSpan(name.Length + labelPrefix.Length + le.Length + ExpositionNumbers.MaxLength + 2);
        int at = Put(line, 0, name);
        at = Put(line, at, labelPrefix);
        at = Put(line, at, le);
        line[at++] = (byte)' ';
        at += ExpositionNumbers.WriteInt64(count, line[at..]);
        line[at++] = (byte)'\n';
        _output.Advance(at);
        SeriesWritten++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Put(Span<byte> line, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(line[at..]);
        return at + bytes.Length;
    }
}
