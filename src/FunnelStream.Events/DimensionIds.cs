using System.Runtime.CompilerServices;

namespace FunnelStream.Events;

/// <summary>
/// The interned ids of an event's breakdown dimensions, in the order of
/// <see cref="FunnelDefinition.Dimensions"/>. Unused positions are 0.
/// </summary>
[InlineArray(FunnelDefinition.MaxDimensions)]
public struct DimensionIds
{
    private int _first;
}
