namespace FunnelStream.Generator.Internal;

/// <summary>A validated <see cref="LeakOptions"/>: indices instead of names, -1 for "any".</summary>
internal readonly record struct LeakRule(Stage From, int Campaign, int Channel, double Factor, long StartMs, long EndMs = long.MaxValue);
