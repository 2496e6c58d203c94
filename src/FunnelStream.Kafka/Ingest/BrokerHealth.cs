namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// Whether the Kafka brokers are reachable as the consumer last saw them, and how many outages
/// (all brokers down) there have been. Written by the consumer thread; read from any thread without blocking.
/// </summary>
public sealed class BrokerHealth
{
    private long _outages;
    private volatile bool _up = true;

    /// <summary>False from the client reporting all brokers down until a broker answers again.</summary>
    public bool Up => _up;

    /// <summary>Times all brokers became unreachable.</summary>
    public long Outages => Volatile.Read(ref _outages);

    /// <summary>Marks the brokers down; true when they were up (a new outage begins).</summary>
    internal bool SetDown()
    {
        if (!_up)
            return false;
        Interlocked.Increment(ref _outages);
        _up = false;
        return true;
    }

    /// <summary>Marks the brokers up; true when they were down (the outage is over).</summary>
    internal bool SetUp()
    {
        if (_up)
            return false;
        _up = true;
        return true;
    }
}
