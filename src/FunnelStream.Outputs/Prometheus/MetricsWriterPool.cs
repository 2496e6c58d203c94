namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// A few writers kept for reuse, so a scrape in the steady state allocates none. Bounded: a writer
/// returned while every slot is taken is left to the garbage collector.
/// </summary>
/// <remarks>Thread-safe and lock-free: each slot is taken and given back with an interlocked exchange.</remarks>
internal sealed class MetricsWriterPool
{
    private readonly MetricsWriter?[] _slots;

    public MetricsWriterPool(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new MetricsWriter?[capacity];
    }

    /// <summary>A writer ready for a new exposition into <paramref name="output"/>.</summary>
    public MetricsWriter Rent(System.Buffers.IBufferWriter<byte> output, ExpositionFormat format)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            MetricsWriter? writer = Interlocked.Exchange(ref _slots[i], null);
            if (writer is not null)
            {
                writer.Reset(output, format);
                return writer;
            }
        }
        return new MetricsWriter(output, format);
    }

    /// <summary>Takes <paramref name="writer"/> back; it must not be used afterwards.</summary>
    public void Return(MetricsWriter writer)
    {
        writer.Release();
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], writer, null) is null)
                return;
        }
    }
}
