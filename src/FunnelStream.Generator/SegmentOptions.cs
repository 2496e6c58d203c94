namespace FunnelStream.Generator;

/// <summary>One customer segment of the synthetic traffic: its share and how big its deals are.</summary>
/// <remarks>Defaults: <see cref="Weight"/> 1, <see cref="DealSizeFactor"/> 1. See <see cref="TrafficOptions.Segments"/> for the default list.</remarks>
public sealed class SegmentOptions
{
    /// <summary>The <c>segment</c> value, e.g. <c>smb</c>; 1..128 characters.</summary>
    public string Name { get; set; } = "";

    /// <summary>Relative share of impressions (any positive number). Default 1.</summary>
    public double Weight { get; set; } = 1;

    /// <summary>Multiplies <see cref="TrafficOptions.DealAmountMedian"/> for this segment's deals. Default 1.</summary>
    public double DealSizeFactor { get; set; } = 1;
}
