namespace FunnelStream.Generator.Internal;

/// <summary>
/// A future event waiting in the simulation's queue: the next stage of one journey, or the next
/// spend report of one campaign and channel. It carries all the journey's state, so nothing else
/// is kept per journey and memory is bounded by the number of open journeys.
/// </summary>
internal readonly record struct JourneyStep(Stage Stage, long Journey, int Campaign, int Channel, int Segment, long AmountMicros);
