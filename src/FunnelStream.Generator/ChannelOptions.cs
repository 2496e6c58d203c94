namespace FunnelStream.Generator;

/// <summary>One marketing channel of the synthetic traffic: its name, share, source and pricing.</summary>
/// <remarks>
/// Defaults: <see cref="Weight"/> 1, <see cref="Pricing"/> <see cref="ChannelPricing.None"/>,
/// <see cref="Price"/> 0, <see cref="DailySpend"/> 0, <see cref="Source"/> <c>organic</c>.
/// See <see cref="TrafficOptions.Channels"/> for the default channel list.
/// </remarks>
public sealed class ChannelOptions
{
    /// <summary>The <c>channel</c> value, e.g. <c>linkedin</c>; 1..128 characters.</summary>
    public string Name { get; set; } = "";

    /// <summary>The <c>source</c> value of this channel's events, e.g. <c>paid</c>, <c>organic</c>, <c>referral</c>. Default <c>organic</c>.</summary>
    public string Source { get; set; } = "organic";

    /// <summary>Relative share of impressions (any positive number; shares are normalised). Default 1.</summary>
    public double Weight { get; set; } = 1;

    /// <summary>Which events carry a cost. Default <see cref="ChannelPricing.None"/>.</summary>
    public ChannelPricing Pricing { get; set; } = ChannelPricing.None;

    /// <summary>
    /// USD per click (<see cref="ChannelPricing.CostPerClick"/>: the median of a log-normal auction
    /// price, rounded to cents) or per 1000 impressions (<see cref="ChannelPricing.CostPerMille"/>:
    /// exact, each impression costs Price / 1000 rounded to 0.000001). Default 0.
    /// </summary>
    public decimal Price { get; set; }

    /// <summary>
    /// USD per day and campaign reported as <c>spend</c> events (platform fees, sponsorships, anything
    /// not attributed to single events), prorated to <see cref="TrafficOptions.SpendReportInterval"/>. 0 (the default) means no reports.
    /// </summary>
    public decimal DailySpend { get; set; }
}
