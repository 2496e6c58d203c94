namespace FunnelStream.Generator;

/// <summary>How a channel charges for traffic, which decides which events carry <c>cost</c>.</summary>
public enum ChannelPricing : byte
{
    /// <summary>No per-event cost (organic, referral); the channel may still report <see cref="ChannelOptions.DailySpend"/>.</summary>
    None,

    /// <summary>Cost per click: each <c>click</c> carries a cost around <see cref="ChannelOptions.Price"/>.</summary>
    CostPerClick,

    /// <summary>Cost per mille: each <c>impression</c> carries <see cref="ChannelOptions.Price"/> / 1000.</summary>
    CostPerMille,
}
