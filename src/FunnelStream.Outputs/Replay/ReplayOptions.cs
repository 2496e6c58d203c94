using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Kpis;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Replay;

/// <summary>What a replay computes and how it writes it.</summary>
/// <remarks>Defaults: 1 h windows, totals only (no breakdown), CSV, the default funnel, parser, engine and KPI defaults, no sales-cycle source.</remarks>
public sealed class ReplayOptions
{
    /// <summary>The tumbling window size.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Breakdown dimensions, in column order; empty for totals only.</summary>
    public IReadOnlyList<string> By { get; init; } = [];

    /// <summary>Output format.</summary>
    public ReplayFormat Format { get; init; } = ReplayFormat.Csv;

    /// <summary>The funnel's stages (its dimensions are replaced by <see cref="By"/>).</summary>
    public FunnelDefinition Funnel { get; init; } = FunnelDefinition.Default;

    /// <summary>Parsing and rejection rules.</summary>
    public EventParserOptions Parser { get; init; } = new();

    /// <summary>Allowed lateness, as for the live worker.</summary>
    public TimeSpan AllowedLateness { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Spend restatements, as for the live worker; needs <see cref="By"/> to include campaign and channel.</summary>
    public bool SpendRestatements { get; init; }

    /// <summary>Dedup horizon, as for the live worker.</summary>
    public TimeSpan DedupHorizon { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The most distinct values kept per dimension before folding into <c>other</c>.</summary>
    public int MaxValuesPerDimension { get; init; } = 10_000;

    /// <summary>
    /// Per dimension name, a budget that replaces <see cref="MaxValuesPerDimension"/> for that dimension
    /// (the cardinality budget; later values fold into <c>other</c>). Default empty.
    /// </summary>
    public IReadOnlyDictionary<string, int> MaxValuesByDimension { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Journey tracking; <c>null</c> (the default) writes no journey rows. When set, journey rows follow
    /// the window rows (see the README's replay contract). The replay replaces its
    /// <see cref="JourneyOptions.AllowedLateness"/> with <see cref="AllowedLateness"/> and keeps every cohort
    /// (no <see cref="JourneyOptions.CohortRetention"/>), since the output is written once at the end.
    /// </summary>
    public JourneyOptions? Journeys { get; init; }

    /// <summary>Business constants of the KPIs (gross margin, ...).</summary>
    public KpiOptions Kpis { get; init; } = KpiOptions.Default;

    /// <summary>
    /// The mean sales-cycle length per window and breakdown, for <c>sales_velocity_per_day</c>; <c>null</c> (the
    /// default) measures it from the journeys when <see cref="Journeys"/> is set (the journeys won in the window
    /// and breakdown, see <see cref="SalesCycleTracker"/>) and otherwise leaves sales velocity out.
    /// </summary>
    public ISalesCycleSource? SalesCycle { get; init; }

    /// <summary>Leakage detection over the replay (in event time); <c>null</c> for none. Its breakdown scopes are the <see cref="By"/> dimensions.</summary>
    public LeakageOptions? Leakage { get; init; }

    /// <summary>Receives the alert records when <see cref="Leakage"/> is set (e.g. a <see cref="ReplayAlertWriter"/>).</summary>
    public ILeakageAlertSink? Alerts { get; init; }

    /// <summary>The current time, for the future-skew check; <c>null</c> for the system clock.</summary>
    public DateTimeOffset? Now { get; init; }
}
