using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Configuration;

/// <summary>Funnel leakage detection and alerts, <c>FunnelStream:Leakage</c> (docs/configuration.md, "Leakage"; issue 4).</summary>
/// <remarks>
/// Defaults: enabled, alerts on <c>funnel.alerts</c>, confidence 0.99, at least 200 a-events, 6 h
/// rolling window judged every 5 min, EWMA baseline half-life 3 days after 24 h of warm-up, hysteresis
/// margin 0.1 held 1 h, an updated record hourly, 50 values per dimension, attribution of up to 3 values
/// per dimension covering 80 % of the shortfall; transitions: every adjacent pair of the ordered funnel
/// with an EWMA baseline, allowed drop 0.25 and count-based evidence, plus the MQL -&gt; SQL benchmark 0.13;
/// journey lookback 45 days.
/// </remarks>
public sealed class LeakageSettings
{
    private const string Key = FunnelStreamOptions.Section + ":Leakage";

    public bool Enabled { get; set; } = true;

    /// <summary>The topic alert records are produced to.</summary>
    public string Topic { get; set; } = "funnel.alerts";

    public double Confidence { get; set; } = 0.99;

    public long MinFromEvents { get; set; } = 200;

    public TimeSpan RollingWindow { get; set; } = TimeSpan.FromHours(6);

    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan BaselineHalfLife { get; set; } = TimeSpan.FromDays(3);

    public TimeSpan BaselineWarmUp { get; set; } = TimeSpan.FromHours(24);

    public double HysteresisMargin { get; set; } = 0.1;

    public TimeSpan ClearHold { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromHours(1);

    public int MaxValuesPerDimension { get; set; } = 50;

    public int AttributionMaxValues { get; set; } = 3;

    public double AttributionCoverage { get; set; } = 0.8;

    /// <summary>For transitions with <c>RateSource: journey</c>: the mature entry cohorts starting in the last this much event time are the evidence.</summary>
    public TimeSpan JourneyLookback { get; set; } = TimeSpan.FromDays(45);

    /// <summary>The transitions watched; unset for the defaults (see the class remarks). A list replaces the defaults entirely.</summary>
    public LeakageTransitionSettings[]? Transitions { get; set; }

    /// <summary>
    /// The engine's <see cref="LeakageOptions"/>, or <c>null</c> when disabled. Adds one message per
    /// problem to <paramref name="errors"/>, naming the key (e.g. <c>FunnelStream:Leakage:Transitions:0:From</c>).
    /// </summary>
    /// <param name="funnel">The funnel the transitions name.</param>
    /// <param name="engine">The engine settings (window sizes).</param>
    /// <param name="errors">Receives the problems.</param>
    /// <param name="journeys">The journey store's settings, or <c>null</c> when journeys are disabled (then no transition may use journey evidence).</param>
    public LeakageOptions? Resolve(FunnelDefinition funnel, EngineOptions engine, List<string> errors, JourneyOptions? journeys = null)
    {
        if (!Enabled)
            return null;
        if (string.IsNullOrWhiteSpace(Topic))
            errors.Add($"{Key}:Topic: must not be empty");
        var options = new LeakageOptions
        {
            Confidence = Confidence,
            MinFromEvents = MinFromEvents,
            RollingWindow = RollingWindow,
            EvaluationInterval = EvaluationInterval,
            BaselineHalfLife = BaselineHalfLife,
            BaselineWarmUp = BaselineWarmUp,
            HysteresisMargin = HysteresisMargin,
            ClearHold = ClearHold,
            UpdateInterval = UpdateInterval,
            MaxValuesPerDimension = MaxValuesPerDimension,
            AttributionMaxValues = AttributionMaxValues,
            AttributionCoverage = AttributionCoverage,
            JourneyLookback = JourneyLookback,
            Transitions = Transitions?.Select(t => new LeakageTransitionOptions
            {
                From = t.From,
                To = t.To,
                Benchmark = t.Benchmark,
                Baseline = t.Baseline,
                AllowedDrop = t.AllowedDrop,
                RateSource = t.RateSource,
            }).ToArray(),
        };
        try
        {
            options.Validate(funnel, engine.WindowSizes);
        }
        catch (ArgumentException e)
        {
            // "Transitions[2].AllowedDrop" -> "Transitions:2:AllowedDrop", the configuration key.
            string name = (e.ParamName ?? "").Replace("[", ":").Replace("].", ":").Replace("]", "");
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
            errors.Add($"{Key}:{name}: {message}");
            return null;
        }
        return JourneyEvidenceFits(options, journeys, errors) ? options : null;
    }

    /// <summary>Journey transitions need the journey store, and a lookback that can hold a mature cohort.</summary>
    private bool JourneyEvidenceFits(LeakageOptions options, JourneyOptions? journeys, List<string> errors)
    {
        int first = Array.FindIndex(Transitions ?? [], t => t.RateSource == LeakageRateSource.Journey);
        if (first < 0)
            return true;
        if (journeys is null)
        {
            errors.Add($"{Key}:Transitions:{first}:RateSource: journey needs journey tracking ({FunnelStreamOptions.Section}:Journeys:Enabled = true)");
            return false;
        }
        // A cohort leaves the lookback (and feeds the EWMA baseline) when it is this old; it must be
        // mature by then (and in a published journey snapshot), or journey evidence never builds up.
        TimeSpan needed = journeys.CohortSize + journeys.ScanInterval
            + (journeys.Maturity == CohortMaturityRule.ConversionWindow ? journeys.ConversionWindow : TimeSpan.Zero);
        if (options.JourneyLookback < needed)
        {
            errors.Add($"{Key}:JourneyLookback: must be at least {needed} with FunnelStream:Journeys CohortSize {journeys.CohortSize}, ScanInterval {journeys.ScanInterval}"
                + (journeys.Maturity == CohortMaturityRule.ConversionWindow ? $" and ConversionWindow {journeys.ConversionWindow} (cohorts mature only after it)" : "")
                + $"; got {options.JourneyLookback}");
            return false;
        }
        return true;
    }
}
