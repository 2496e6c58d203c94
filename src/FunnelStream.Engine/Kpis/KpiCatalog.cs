namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The KPIs computed for every window and breakdown, in output order, built for one funnel (a KPI
/// that needs a stage the funnel lacks is left out). Formulas follow spec/kpis.md exactly; money
/// ratios are evaluated as <c>(spend_micros / 1e6) / count</c> so that any implementation doing the
/// same IEEE double operations gets bit-identical values. Immutable; thread-safe.
/// </summary>
public sealed class KpiCatalog
{
    private const double MicrosPerUnit = 1_000_000d;

    /// <summary>Builds the catalog for <paramref name="funnel"/>.</summary>
    public KpiCatalog(Events.FunnelDefinition funnel)
    {
        var kpis = new List<Kpi>();
        int impression = funnel.IndexOf("impression");
        int click = funnel.IndexOf("click");
        int lead = funnel.IndexOf("lead");
        int won = funnel.IndexOf("won");

        if (impression >= 0 && click >= 0)
            kpis.Add(new Kpi("ctr", "click-through rate: count(click) / count(impression)", t => Ratio(t.Counts[click], t.Counts[impression])));
        if (impression >= 0)
            kpis.Add(new Kpi("cpm", "cost per mille: spend / count(impression) * 1000", t => PerThousand(t.SpendMicros, t.Counts[impression])));
        if (click >= 0)
            kpis.Add(new Kpi("cpc", "cost per click: spend / count(click)", t => Money(t.SpendMicros, t.Counts[click])));
        if (lead >= 0)
            kpis.Add(new Kpi("cpl", "cost per lead: spend / count(lead)", t => Money(t.SpendMicros, t.Counts[lead])));
        if (won >= 0)
            kpis.Add(new Kpi("cac", "customer acquisition cost: spend / count(won)", t => Money(t.SpendMicros, t.Counts[won])));
        foreach ((int from, int to) in funnel.AdjacentPairs())
        {
            string a = funnel.Stages[from], b = funnel.Stages[to];
            kpis.Add(new Kpi($"conversion.{a}.{b}", $"stage conversion {a} -> {b}: count({b}) / count({a})", t => Ratio(t.Counts[to], t.Counts[from])));
        }
        All = kpis;
    }

    /// <summary>Every KPI, in output order.</summary>
    public IReadOnlyList<Kpi> All { get; }

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/>, or <c>null</c> for a zero denominator.</summary>
    public static double? Ratio(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    /// <summary>Money (micro-units) per event, in currency units.</summary>
    public static double? Money(long micros, long denominator) => denominator == 0 ? null : micros / MicrosPerUnit / denominator;

    /// <summary>Money (micro-units) per thousand events, in currency units.</summary>
    public static double? PerThousand(long micros, long denominator) => denominator == 0 ? null : micros / MicrosPerUnit / denominator * 1000;
}
