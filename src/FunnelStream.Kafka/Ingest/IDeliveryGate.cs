namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// Holds input offsets back until output records are delivered (issue 5: a record that cannot be
/// delivered is never silently lost). After applying a batch the engine thread takes a
/// <see cref="Mark"/>; the consumer thread stores that batch's offsets only once
/// <see cref="IsDeliveredThrough"/> holds for it, so the committed offset never passes an input
/// record whose processing produced an output record the broker has not acknowledged.
/// </summary>
public interface IDeliveryGate
{
    /// <summary>A mark covering every output record produced so far. Engine thread.</summary>
    long Mark();

    /// <summary>Whether every output record up to <paramref name="mark"/> is acknowledged. Any thread.</summary>
    bool IsDeliveredThrough(long mark);
}
