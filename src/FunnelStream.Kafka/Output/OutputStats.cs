namespace FunnelStream.Kafka.Output;

/// <summary>
/// Counters of the output topics (<c>funnel.kpis</c>, <c>funnel.kpis.rolling</c>), for metrics.
/// Written from the producer's delivery thread and the publishing threads with interlocked adds;
/// read from any thread without blocking.
/// </summary>
public sealed class OutputStats
{
    private readonly string[] _topics;
    private readonly long[] _delivered;
    private readonly long[] _errors;
    private long _pending;

    /// <summary>Counters for <paramref name="topics"/> (indexes are positions in this list).</summary>
    public OutputStats(IReadOnlyList<string> topics)
    {
        _topics = [.. topics];
        _delivered = new long[_topics.Length];
        _errors = new long[_topics.Length];
    }

    /// <summary>The topics, in index order.</summary>
    public IReadOnlyList<string> Topics => _topics;

    /// <summary>Records of topic <paramref name="index"/> acknowledged by the broker.</summary>
    public long Delivered(int index) => Volatile.Read(ref _delivered[index]);

    /// <summary>Failed delivery attempts of topic <paramref name="index"/> (each one is retried).</summary>
    public long DeliveryErrors(int index) => Volatile.Read(ref _errors[index]);

    /// <summary>Records produced but not yet acknowledged (in flight or waiting for a retry).</summary>
    public long Pending => Volatile.Read(ref _pending);

    internal void AddProduced() => Interlocked.Increment(ref _pending);

    internal void AddDelivered(int index)
    {
        Interlocked.Increment(ref _delivered[index]);
        Interlocked.Decrement(ref _pending);
    }

    internal void AddError(int index) => Interlocked.Increment(ref _errors[index]);
}
