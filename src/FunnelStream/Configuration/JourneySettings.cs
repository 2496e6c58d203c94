using FunnelStream.Engine.Journeys;

namespace FunnelStream.Configuration;

/// <summary>
/// <c>FunnelStream:Journeys</c>: per-journey tracking (journey-based conversion per entry cohort, time to
/// convert, sales cycle, stalled journeys; docs/configuration.md, "Journeys"). Validated at start-up
/// with errors naming the key.
/// </summary>
/// <remarks>
/// Defaults: enabled; conversion window 30 days; at most 1,000,000 journeys; SLA <c>mql</c> 24 h (when the
/// funnel has an <c>mql</c> stage); cohorts of 1 day, mature once the conversion window has passed;
/// cohorts kept 30 days after they became final; a full pass per minute of event time; sales cycle from
/// <c>lead</c> to <c>won</c>; <c>lost</c> closes a journey; bucket bounds as in <see cref="JourneyOptions"/>.
/// </remarks>
public sealed class JourneySettings
{
    /// <summary>Whether journeys are tracked at all. Default <c>true</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long after entering a a journey may reach b and count as converted; also how long an idle journey is kept. Whole seconds. Default 30 days.</summary>
    public TimeSpan ConversionWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The memory cap: the most journeys tracked at once; past it the least recently active are evicted. Default 1,000,000.</summary>
    public int MaxJourneys { get; set; } = 1_000_000;

    /// <summary>Per ordered stage, how long a journey may sit in it before it counts as stalled. <c>null</c> (unset): <c>mql</c> 24 h when the funnel has <c>mql</c>.</summary>
    public Dictionary<string, TimeSpan>? StageSla { get; set; }

    /// <summary>The width of an entry cohort (aligned to the Unix epoch, so 1 day is a UTC day). Whole seconds. Default 1 day.</summary>
    public TimeSpan CohortSize { get; set; } = TimeSpan.FromDays(1);

    /// <summary><c>ConversionWindow</c> or <c>P95TimeToConvert</c>: which rule marks a cohort mature. Default <c>ConversionWindow</c>.</summary>
    public CohortMaturityRule Maturity { get; set; } = CohortMaturityRule.ConversionWindow;

    /// <summary>With <c>P95TimeToConvert</c>: conversions needed before the measured p95 is trusted. Default 100.</summary>
    public int MaturityMinSamples { get; set; } = 100;

    /// <summary>How long a cohort stays exported after its counts became final. Whole seconds. Default 30 days.</summary>
    public TimeSpan CohortRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most one full pass (expiry, stalled gauges, new snapshot) per this much watermark advance. Default 1 min.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The stage that starts the sales cycle. <c>null</c>: <c>lead</c> when the funnel has it.</summary>
    public string? LeadStage { get; set; }

    /// <summary>The stage that ends the sales cycle. <c>null</c>: <c>won</c> when the funnel has it.</summary>
    public string? WonStage { get; set; }

    /// <summary>Stages after which a journey is never stalled. <c>null</c>: <c>lost</c> when the funnel has it.</summary>
    public string[]? ClosedStages { get; set; }

    /// <summary>Time-to-convert histogram bounds, seconds. <c>null</c>: 60, 300, 900, 3600, 21600, 86400, 259200, 604800, 1209600, 2592000.</summary>
    public double[]? TimeToConvertBucketsSeconds { get; set; }

    /// <summary>Sales-cycle histogram bounds, seconds. <c>null</c>: 1 h, 1, 3, 7, 14, 30, 60, 90, 180 and 365 days.</summary>
    public double[]? SalesCycleBucketsSeconds { get; set; }
}
