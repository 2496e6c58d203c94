namespace FunnelStream.Engine.State;

/// <summary>What a spend report is about: interned campaign and channel ids and the UTC day (days since the epoch) of its <c>ts</c>.</summary>
internal readonly record struct SpendKey(int Campaign, int Channel, long Day);
