using FunnelStream.Events;

namespace FunnelStream.Engine.Leakage;

/// <summary>Settings of the <see cref="LeakageDetector"/>. Plain values: the host binds and validates them.</summary>
/// <remarks>
/// Defaults: confidence 0.99, at least 200 a-events, a 6 h rolling window evaluated every 5 min,
/// EWMA half-life 3 days with 24 h of warm-up, hysteresis margin 0.1 held for 1 h, an updated record
/// every hour while open, 50 values per breakdown dimension, attribution of up to 3 values per
/// dimension covering 80 % of the shortfall, and the transitions of <see cref="DefaultTransitions"/>.
/// The defaults keep a healthy funnel quiet: at 200 a-events and a conversion at its baseline, a
/// false leak needs the observed rate about 4 standard errors low (the 25 % allowed drop plus the
/// 99 % bound).
/// </remarks>
public sealed class LeakageOptions
{
    /// <summary>Confidence of the two-sided Wilson score interval, in (0.5, 1). A leak needs the interval's upper bound below the threshold.</summary>
    public double Confidence { get; init; } = 0.99;

    /// <summary>The fewest a-events in the rolling window for a scope to be judged at all ("sample sufficient").</summary>
    public long MinFromEvents { get; init; } = 200;

    /// <summary>The rolling window the conversion is measured over; a whole number of evaluation intervals, at most 7 days.</summary>
    public TimeSpan RollingWindow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>How often (event time) every transition and scope is judged; divides a day and is a multiple of one engine window size.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Half-life of the <see cref="BaselineKind.Ewma"/> baseline.</summary>
    public TimeSpan BaselineHalfLife { get; init; } = TimeSpan.FromDays(3);

    /// <summary>How much history an <see cref="BaselineKind.Ewma"/> baseline needs before it is used.</summary>
    public TimeSpan BaselineWarmUp { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Relative margin above the threshold that the upper bound must reach to clear: bound ≥ threshold × (1 + margin). At least 0.</summary>
    public double HysteresisMargin { get; init; } = 0.1;

    /// <summary>How long (event time) the clearing condition must hold without interruption before an alert resolves.</summary>
    public TimeSpan ClearHold { get; init; } = TimeSpan.FromHours(1);

    /// <summary>While an alert is open, an <c>updated</c> record is emitted this often (event time).</summary>
    public TimeSpan UpdateInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The most values per breakdown dimension watched as scopes of their own (the cardinality budget); later values count only in the total.</summary>
    public int MaxValuesPerDimension { get; init; } = 50;

    /// <summary>The most values per dimension named in an alert's attribution.</summary>
    public int AttributionMaxValues { get; init; } = 3;

    /// <summary>
    /// Attribution lists values, largest shortfall first, until they explain this fraction of the
    /// total's shortfall (0..1]. Only values whose conversion is significantly below the rest of the
    /// funnel's (a two-proportion z-test at <see cref="Confidence"/>) are candidates, so a drop spread
    /// evenly over a dimension names none of its values.
    /// </summary>
    public double AttributionCoverage { get; init; } = 0.8;

    /// <summary>
    /// For <see cref="LeakageRateSource.Journey"/> transitions, the rolling window: the mature entry cohorts
    /// starting in the last this much event time are the evidence (instead of <see cref="RollingWindow"/>).
    /// Positive; default 45 days (enough, with the journey store's defaults of 1-day cohorts and a 30-day
    /// conversion window, to hold about two weeks of mature cohorts).
    /// </summary>
    public TimeSpan JourneyLookback { get; init; } = TimeSpan.FromDays(45);

    /// <summary>The transitions watched; <c>null</c> for <see cref="DefaultTransitions"/>.</summary>
    public IReadOnlyList<LeakageTransitionOptions>? Transitions { get; init; }

    /// <summary>Every adjacent pair of the ordered funnel with an EWMA baseline, and the MQL -&gt; SQL benchmark 0.13 of seed 000 where both stages exist.</summary>
    public static IReadOnlyList<LeakageTransitionOptions> DefaultTransitions(FunnelDefinition funnel) =>
        funnel.AdjacentPairs().Select(p => new LeakageTransitionOptions
        {
            From = funnel.Stages[p.From],
            To = funnel.Stages[p.To],
            Benchmark = funnel.Stages[p.From] == "mql" && funnel.Stages[p.To] == "sql" ? 0.13 : null,
        }).ToArray();

    /// <summary>Throws <see cref="ArgumentException"/> whose ParamName is the first invalid setting (for transitions, <c>Transitions[i].Name</c>).</summary>
    /// <param name="funnel">The funnel whose stages the transitions name.</param>
    /// <param name="windowSizes">The engine's tumbling window sizes: closed windows of one of them feed the detector.</param>
    public void Validate(FunnelDefinition funnel, IReadOnlyList<TimeSpan> windowSizes)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        if (!(Confidence > 0.5 && Confidence < 1))
            throw new ArgumentException($"must be in (0.5, 1) (got {Confidence})", nameof(Confidence));
        if (MinFromEvents < 1)
            throw new ArgumentException($"must be at least 1 (got {MinFromEvents})", nameof(MinFromEvents));
        if (EvaluationInterval < TimeSpan.FromSeconds(1) || EvaluationInterval.Ticks % TimeSpan.TicksPerSecond != 0
            || TimeSpan.FromDays(1).Ticks % EvaluationInterval.Ticks != 0)
            throw new ArgumentException($"must be a whole number of seconds that divides a day (got {EvaluationInterval})", nameof(EvaluationInterval));
        if (SourceWindow(windowSizes) is null)
            throw new ArgumentException($"must be a multiple of one of the window sizes ({string.Join(", ", windowSizes)}); got {EvaluationInterval}", nameof(EvaluationInterval));
        if (RollingWindow < EvaluationInterval || RollingWindow > TimeSpan.FromDays(7) || RollingWindow.Ticks % EvaluationInterval.Ticks != 0)
            throw new ArgumentException($"must be a whole number of evaluation intervals ({EvaluationInterval}), at most 7 days (got {RollingWindow})", nameof(RollingWindow));
        if (BaselineHalfLife < EvaluationInterval)
            throw new ArgumentException($"must be at least the evaluation interval (got {BaselineHalfLife})", nameof(BaselineHalfLife));
        if (BaselineWarmUp < TimeSpan.Zero)
            throw new ArgumentException($"must not be negative (got {BaselineWarmUp})", nameof(BaselineWarmUp));
        if (!(HysteresisMargin >= 0 && HysteresisMargin <= 1))
            throw new ArgumentException($"must be in [0, 1] (got {HysteresisMargin})", nameof(HysteresisMargin));
        if (ClearHold < TimeSpan.Zero)
            throw new ArgumentException($"must not be negative (got {ClearHold})", nameof(ClearHold));
        if (UpdateInterval < EvaluationInterval)
            throw new ArgumentException($"must be at least the evaluation interval (got {UpdateInterval})", nameof(UpdateInterval));
        if (MaxValuesPerDimension is < 0 or > 10_000)
            throw new ArgumentException($"must be between 0 and 10000 (got {MaxValuesPerDimension})", nameof(MaxValuesPerDimension));
        if (AttributionMaxValues is < 1 or > 100)
            throw new ArgumentException($"must be between 1 and 100 (got {AttributionMaxValues})", nameof(AttributionMaxValues));
        if (!(AttributionCoverage > 0 && AttributionCoverage <= 1))
            throw new ArgumentException($"must be in (0, 1] (got {AttributionCoverage})", nameof(AttributionCoverage));
        if (JourneyLookback <= TimeSpan.Zero)
            throw new ArgumentException($"must be positive (got {JourneyLookback})", nameof(JourneyLookback));
        IReadOnlyList<LeakageTransitionOptions> transitions = Transitions ?? DefaultTransitions(funnel);
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < transitions.Count; i++)
        {
            LeakageTransitionOptions t = transitions[i];
            string at = $"Transitions[{i}]";
            if (funnel.IndexOf(t.From ?? "") is < 0 || t.From == FunnelDefinition.SpendStageName)
                throw new ArgumentException($"'{t.From}' is not a stage; allowed: {string.Join(", ", funnel.Stages.Where(s => s != FunnelDefinition.SpendStageName))}", at + ".From");
            if (funnel.IndexOf(t.To ?? "") is < 0 || t.To == FunnelDefinition.SpendStageName || t.To == t.From)
                throw new ArgumentException($"'{t.To}' is not a stage other than From; allowed: {string.Join(", ", funnel.Stages.Where(s => s != FunnelDefinition.SpendStageName))}", at + ".To");
            if (!seen.Add((t.From!, t.To!)))
                throw new ArgumentException($"{t.From} -> {t.To} appears twice", at);
            if (t.Benchmark is double b && !(b > 0 && b <= 1))
                throw new ArgumentException($"must be in (0, 1] (got {b})", at + ".Benchmark");
            if (!Enum.IsDefined(t.Baseline))
                throw new ArgumentException($"unknown baseline kind {t.Baseline}", at + ".Baseline");
            if (t.Baseline != BaselineKind.None && !(t.AllowedDrop > 0 && t.AllowedDrop < 1))
                throw new ArgumentException($"must be in (0, 1) (got {t.AllowedDrop})", at + ".AllowedDrop");
            if (t.Baseline == BaselineKind.None && t.Benchmark is null)
                throw new ArgumentException("needs a benchmark, a baseline or both", at);
            if (!Enum.IsDefined(t.RateSource))
                throw new ArgumentException($"must be one of count, journey (got {t.RateSource})", at + ".RateSource");
            if (t.RateSource == LeakageRateSource.Journey)
            {
                // The journey store has cohorts for adjacent pairs of the ordered funnel only, and a
                // cohort rate has no hour of the week to compare with.
                (int from, int to) = (funnel.IndexOf(t.From!), funnel.IndexOf(t.To!));
                if (!funnel.AdjacentPairs().Contains((from, to)))
                    throw new ArgumentException($"journey needs an adjacent pair of the ordered funnel ({string.Join(", ", funnel.AdjacentPairs().Select(p => $"{funnel.Stages[p.From]} -> {funnel.Stages[p.To]}"))}); got {t.From} -> {t.To}", at + ".RateSource");
                if (t.Baseline == BaselineKind.SameHourLastWeek)
                    throw new ArgumentException("journey evidence supports the Ewma or None baseline, not SameHourLastWeek", at + ".RateSource");
            }
        }
    }

    /// <summary>The largest engine window size that divides the evaluation interval: the closed windows the detector reads; <c>null</c> when none does.</summary>
    public TimeSpan? SourceWindow(IReadOnlyList<TimeSpan> windowSizes) =>
        windowSizes.Where(w => w > TimeSpan.Zero && EvaluationInterval.Ticks % w.Ticks == 0).Select(w => (TimeSpan?)w).Max();
}
