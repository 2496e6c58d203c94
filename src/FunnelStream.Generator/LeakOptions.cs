namespace FunnelStream.Generator;

/// <summary>
/// A funnel leak to inject: from <see cref="Start"/> until <see cref="End"/>, the conversion probability of one
/// transition of the ordered funnel is multiplied by <see cref="Factor"/>, optionally only for one
/// campaign and/or channel. For demos and tests of leak detection.
/// </summary>
/// <remarks>
/// The factor applies to journeys whose <see cref="From"/> event happens at or after <see cref="Start"/>
/// and before <see cref="End"/> (the moment the generator decides whether the journey goes on), so a
/// leak that ends is a recovery. Defaults: <see cref="Factor"/> 0.5, <see cref="Start"/>
/// <see cref="DateTimeOffset.MinValue"/> (from the beginning), <see cref="End"/>
/// <see cref="DateTimeOffset.MaxValue"/> (never recovers), no campaign or channel filter.
/// </remarks>
public sealed class LeakOptions
{
    /// <summary>The upper stage of the transition, e.g. <c>mql</c>; a stage of <c>impression &gt; click &gt; lead &gt; mql &gt; sql &gt; opportunity</c>.</summary>
    public string From { get; set; } = "";

    /// <summary>The next stage of the ordered funnel after <see cref="From"/>, e.g. <c>sql</c>.</summary>
    public string To { get; set; } = "";

    /// <summary>Only journeys of this campaign leak; <c>null</c> for all. Must be one of <see cref="TrafficOptions.Campaigns"/>.</summary>
    public string? Campaign { get; set; }

    /// <summary>Only journeys of this channel leak; <c>null</c> for all. Must be one of <see cref="TrafficOptions.Channels"/>.</summary>
    public string? Channel { get; set; }

    /// <summary>Multiplies the transition's probability (the product is capped at 1); 0 closes it. Default 0.5.</summary>
    public double Factor { get; set; } = 0.5;

    /// <summary>When the leak begins. Default <see cref="DateTimeOffset.MinValue"/>: from the beginning.</summary>
    public DateTimeOffset Start { get; set; } = DateTimeOffset.MinValue;

    /// <summary>When the leak ends (the transition recovers); after <see cref="Start"/>. Default <see cref="DateTimeOffset.MaxValue"/>: never.</summary>
    public DateTimeOffset End { get; set; } = DateTimeOffset.MaxValue;
}
