namespace FunnelStream.Engine.Journeys;

/// <summary>
/// How <see cref="JourneyStore"/> tracks journeys: the conversion window, the memory cap, stage SLAs,
/// cohorts and histogram buckets (spec/kpis.md, journey-based conversion, time to convert, sales
/// cycle, stalled journeys). The store copies and validates the values when it is constructed.
/// </summary>
/// <remarks>
/// <para>Defaults: <see cref="ConversionWindow"/> 30 days; <see cref="MaxJourneys"/> 1,000,000;
/// <see cref="StageSla"/> <c>mql</c> 24 h, no SLA for other stages; <see cref="CohortSize"/> 1 day;
/// <see cref="TimeToConvertBucketsSeconds"/> 1 min, 5 min, 15 min, 1 h, 6 h, 1 d, 3 d, 7 d, 14 d, 30 d
/// (and the implicit <c>+Inf</c>); <see cref="SalesCycleBucketsSeconds"/> 1 h, 1 d, 3 d, 7 d, 14 d, 30 d,
/// 60 d, 90 d, 180 d, 365 d; <see cref="LeadStage"/> <c>lead</c>; <see cref="WonStage"/> <c>won</c>;
/// <see cref="ClosedStages"/> <c>lost</c>; <see cref="AllowedLateness"/> 5 min (the engine's default);
/// <see cref="ScanInterval"/> 1 min; <see cref="Maturity"/> <see cref="CohortMaturityRule.ConversionWindow"/>;
/// <see cref="MaturityMinSamples"/> 100; <see cref="CohortRetention"/> 30 days.</para>
/// <para>Times are kept with one-second resolution (ClickHouse <c>windowFunnel</c> over a
/// <c>DateTime</c>), so every duration option must be a whole number of seconds.</para>
/// </remarks>
public sealed class JourneyOptions
{
    /// <summary>
    /// How long after entering stage a a journey may reach b and still count as converted a → b
    /// (inclusive); also how long a journey is remembered after its last event. Default 30 days.
    /// </summary>
    public TimeSpan ConversionWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The most journeys tracked at once (the memory cap); beyond it the least recently active
    /// (by event time) are evicted and counted in <see cref="JourneyStore.Evictions"/>. Default 1,000,000.
    /// </summary>
    public int MaxJourneys { get; init; } = 1_000_000;

    /// <summary>
    /// Per ordered stage name, the longest a journey may sit in it (as its furthest stage) before it
    /// counts as stalled. Stages without an entry are never stalled. Default <c>mql</c>: 24 h.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> StageSla { get; init; } =
        new Dictionary<string, TimeSpan> { ["mql"] = TimeSpan.FromHours(24) };

    /// <summary>The width of an entry cohort: a journey's cohort for a → b starts at floor(ts(a) / CohortSize) (UTC). Default 1 day.</summary>
    public TimeSpan CohortSize { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Upper bounds (seconds, ascending, positive) of the time-to-convert histogram buckets; <c>+Inf</c> is implicit.</summary>
    public IReadOnlyList<double> TimeToConvertBucketsSeconds { get; init; } =
        [60, 300, 900, 3_600, 21_600, 86_400, 259_200, 604_800, 1_209_600, 2_592_000];

    /// <summary>Upper bounds (seconds, ascending, positive) of the sales-cycle histogram buckets; <c>+Inf</c> is implicit.</summary>
    public IReadOnlyList<double> SalesCycleBucketsSeconds { get; init; } =
        [3_600, 86_400, 259_200, 604_800, 1_209_600, 2_592_000, 5_184_000, 7_776_000, 15_552_000, 31_536_000];

    /// <summary>The stage whose first event starts the sales cycle. Default <c>lead</c>.</summary>
    public string LeadStage { get; init; } = "lead";

    /// <summary>The stage whose first event ends the sales cycle. Default <c>won</c>.</summary>
    public string WonStage { get; init; } = "won";

    /// <summary>Stages that close a journey: once it has one, it is never stalled. Default <c>lost</c>.</summary>
    public IReadOnlyList<string> ClosedStages { get; init; } = ["lost"];

    /// <summary>
    /// The engine's allowed lateness (set it from <c>EngineOptions.AllowedLateness</c>): an observation is
    /// final once it is older than watermark − lateness, which is when histograms record it and cohorts
    /// become mature. Default 5 minutes.
    /// </summary>
    public TimeSpan AllowedLateness { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// At most one full pass over the journeys (expiry, histogram finalization, stalled gauges,
    /// snapshot) per this much watermark advance in <see cref="JourneyStore.Expire"/>. Zero scans on
    /// every call. Default 1 minute.
    /// </summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Which rule marks a cohort mature. Default <see cref="CohortMaturityRule.ConversionWindow"/>.</summary>
    public CohortMaturityRule Maturity { get; init; } = CohortMaturityRule.ConversionWindow;

    /// <summary>With <see cref="CohortMaturityRule.P95TimeToConvert"/>: the fewest conversions for the measured p95 to be used. Default 100.</summary>
    public int MaturityMinSamples { get; init; } = 100;

    /// <summary>How long a cohort stays in the snapshot after its counts became final (cohort end + window + lateness). Default 30 days.</summary>
    public TimeSpan CohortRetention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        WholeSeconds(ConversionWindow, nameof(ConversionWindow), positive: true);
        WholeSeconds(CohortSize, nameof(CohortSize), positive: true);
        WholeSeconds(AllowedLateness, nameof(AllowedLateness), positive: false);
        WholeSeconds(CohortRetention, nameof(CohortRetention), positive: false);
        if (ScanInterval < TimeSpan.Zero)
            throw new ArgumentException($"{nameof(ScanInterval)} must not be negative (got {ScanInterval})", nameof(ScanInterval));
        if (MaxJourneys < 1)
            throw new ArgumentException($"{nameof(MaxJourneys)} must be at least 1 (got {MaxJourneys})", nameof(MaxJourneys));
        if (MaturityMinSamples < 1)
            throw new ArgumentException($"{nameof(MaturityMinSamples)} must be at least 1 (got {MaturityMinSamples})", nameof(MaturityMinSamples));
        if (!Enum.IsDefined(Maturity))
            throw new ArgumentException($"{nameof(Maturity)} must be one of {string.Join(", ", Enum.GetNames<CohortMaturityRule>())} (got {Maturity})", nameof(Maturity));
        Buckets(TimeToConvertBucketsSeconds, nameof(TimeToConvertBucketsSeconds));
        Buckets(SalesCycleBucketsSeconds, nameof(SalesCycleBucketsSeconds));
        ArgumentNullException.ThrowIfNull(StageSla, nameof(StageSla));
        foreach ((string stage, TimeSpan sla) in StageSla)
        {
            if (sla < TimeSpan.Zero)
                throw new ArgumentException($"{nameof(StageSla)}:{stage} must not be negative (got {sla})", nameof(StageSla));
        }
        ArgumentException.ThrowIfNullOrEmpty(LeadStage, nameof(LeadStage));
        ArgumentException.ThrowIfNullOrEmpty(WonStage, nameof(WonStage));
        ArgumentNullException.ThrowIfNull(ClosedStages, nameof(ClosedStages));
    }

    private static void WholeSeconds(TimeSpan value, string name, bool positive)
    {
        if (positive ? value <= TimeSpan.Zero : value < TimeSpan.Zero)
            throw new ArgumentException($"{name} must be {(positive ? "positive" : "non-negative")} (got {value})", name);
        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ArgumentException($"{name} must be a whole number of seconds (got {value})", name);
    }

    private static void Buckets(IReadOnlyList<double> bounds, string name)
    {
        ArgumentNullException.ThrowIfNull(bounds, name);
        if (bounds.Count == 0)
            throw new ArgumentException($"{name} needs at least one bound", name);
        for (int i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || bounds[i] <= 0 || (i > 0 && bounds[i] <= bounds[i - 1]))
                throw new ArgumentException($"{name} must be finite, positive and strictly ascending (bound {i} is {bounds[i]})", name);
        }
    }
}
