using System.Buffers;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// The collectors behind <c>/metrics</c>: <see cref="WriteTo"/> runs each one, in registration order,
/// into one exposition.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe. <see cref="Register"/> may run at any time, including during a scrape (that scrape
/// sees the collectors registered when it started). Several requests may call <see cref="WriteTo"/>
/// at once; each gets its own <see cref="MetricsWriter"/> from a small pool, so collectors are
/// called concurrently and must read their state in a thread-safe way.
/// </para>
/// <para>
/// A family name may appear once per exposition (OpenMetrics forbids interleaving a family); since
/// collectors are opaque until they write, a duplicate or clashing family is detected as it is
/// written and <see cref="WriteTo"/> throws <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
public sealed class MetricsRegistry
{
    private readonly Lock _gate = new();
    private readonly MetricsWriterPool _writers = new(Math.Max(2, Environment.ProcessorCount));
    private IMetricsCollector[] _collectors = [];

    /// <summary>Adds <paramref name="collector"/> after the ones already registered.</summary>
    /// <exception cref="ArgumentException">The same collector instance is already registered.</exception>
    public void Register(IMetricsCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        lock (_gate)
        {
            if (Array.IndexOf(_collectors, collector) >= 0)
                throw new ArgumentException($"Collector {collector.GetType().Name} is already registered; each collector writes its families once per exposition.", nameof(collector));
            // Copy on write: a scrape reads the array without the lock.
            Volatile.Write(ref _collectors, [.. _collectors, collector]);
        }
    }

    /// <summary>
    /// Writes a complete exposition in <paramref name="format"/> into <paramref name="output"/>: every
    /// collector in registration order, then the end (<c># EOF</c> in OpenMetrics).
    /// </summary>
    /// <remarks>
    /// If a collector throws, or breaks the writer's contract, the exception propagates and the
    /// output holds a partial exposition that must not be served as metrics.
    /// </remarks>
    public void WriteTo(IBufferWriter<byte> output, ExpositionFormat format)
    {
        ArgumentNullException.ThrowIfNull(output);
        IMetricsCollector[] collectors = Volatile.Read(ref _collectors);
        MetricsWriter writer = _writers.Rent(output, format);
        try
        {
            foreach (IMetricsCollector collector in collectors)
                collector.Collect(writer);
            writer.Finish();
        }
        finally
        {
            _writers.Return(writer);
        }
    }
}
