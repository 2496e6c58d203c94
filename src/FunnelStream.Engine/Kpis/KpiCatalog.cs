using FunnelStream.Events;

namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The count-based KPIs computed for every window and breakdown, in output order, built for one
/// funnel and one set of <see cref="KpiOptions"/> (a KPI that needs a stage the funnel lacks is left
/// out). Formulas follow spec/kpis.md and are documented with their names in docs/kpis.md.
/// Immutable; thread-safe.
/// </summary>
/// <remarks>
/// Every formula is a fixed sequence of IEEE double operations on integer counts and integer
/// micro-unit sums (money is converted once, as <c>micros / 1e6</c>), so that any implementation doing
/// the same operations in the same order gets bit-identical values (the sqlite3 reference of the
/// tests does). Ratios are fractions (0-1), money is in currency units. A zero denominator gives
/// <c>null</c>, never 0 or infinity.
/// </remarks>
public sealed class KpiCatalog
{
    private const double MicrosPerUnit = 1_000_000d;

    /// <summary>The named conversion pairs of spec/kpis.md besides the adjacent ones: visitor (click) -> MQL, MQL -> SQL, SQL -> won.</summary>
    public static IReadOnlyList<(string From, string To)> NamedPairs { get; } = [("click", "mql"), ("mql", "sql"), ("sql", "won")];

    /// <summary>Builds the catalog for <paramref name="funnel"/> with default options.</summary>
    public KpiCatalog(FunnelDefinition funnel)
        : this(funnel, KpiOptions.Default)
    {
    }

    /// <summary>Builds the catalog for <paramref name="funnel"/>; <paramref name="options"/> are validated.</summary>
    public KpiCatalog(FunnelDefinition funnel, KpiOptions options)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(funnel);
        Options = options;
        var kpis = new List<Kpi>();
        int impression = funnel.IndexOf("impression");
        int click = funnel.IndexOf("click");
        int lead = funnel.IndexOf("lead");
        int sql = funnel.IndexOf("sql");
        int opportunity = funnel.IndexOf("opportunity");
        int won = funnel.IndexOf("won");
        int lost = funnel.IndexOf("lost");
        int renewal = funnel.IndexOf("renewal");
        int expansion = funnel.IndexOf("expansion");
        int churn = funnel.IndexOf("churn");
        double margin = options.GrossMargin;
        double purchases = options.ExpectedPurchases;
        double months = options.ContractMonths;

        // The original five and the adjacent conversions keep their names and order (replay contract).
        if (impression >= 0 && click >= 0)
            kpis.Add(new Kpi("ctr", "click-through rate: count(click) / count(impression); ratio", k => Ratio(k.Totals.Counts[click], k.Totals.Counts[impression])));
        if (impression >= 0)
            kpis.Add(new Kpi("cpm", "cost per mille: spend / count(impression) * 1000; money", k => PerThousand(k.Totals.SpendMicros, k.Totals.Counts[impression])));
        if (click >= 0)
            kpis.Add(new Kpi("cpc", "cost per click: spend / count(click); money", k => Money(k.Totals.SpendMicros, k.Totals.Counts[click])));
        if (lead >= 0)
            kpis.Add(new Kpi("cpl", "cost per lead: spend / count(lead); money", k => Money(k.Totals.SpendMicros, k.Totals.Counts[lead])));
        if (won >= 0)
            kpis.Add(new Kpi("cac", "customer acquisition cost: spend / count(won); money", k => Money(k.Totals.SpendMicros, k.Totals.Counts[won])));
        foreach ((int from, int to) in ConversionPairs(funnel))
        {
            string a = funnel.Stages[from], b = funnel.Stages[to];
            kpis.Add(new Kpi($"conversion.{a}.{b}", $"stage conversion {a} -> {b}: count({b}) / count({a}); ratio", k => Ratio(k.Totals.Counts[to], k.Totals.Counts[from])));
        }

        if (click >= 0 && lead >= 0)
            kpis.Add(new Kpi("traffic_to_lead", "traffic-to-lead ratio: count(lead) / count(click); ratio", k => Ratio(k.Totals.Counts[lead], k.Totals.Counts[click])));
        foreach (int s in ActionStageIds(funnel, options))
            kpis.Add(new Kpi($"cpa.{funnel.Stages[s]}", $"cost per action: spend / count({funnel.Stages[s]}); money", k => Money(k.Totals.SpendMicros, k.Totals.Counts[s])));
        if (won >= 0 && sql >= 0)
            kpis.Add(new Kpi("win_rate", "win rate: count(won) / count(sql); ratio", k => Ratio(k.Totals.Counts[won], k.Totals.Counts[sql])));
        if (won >= 0 && lost >= 0)
            kpis.Add(new Kpi("closed_win_rate", "closed win rate: count(won) / (count(won) + count(lost)); ratio", k => Ratio(k.Totals.Counts[won], k.Totals.Counts[won] + k.Totals.Counts[lost])));
        if (won >= 0)
        {
            kpis.Add(new Kpi("avg_deal_size", "average deal size: revenue / count(won); money", k => Money(k.Totals.AmountsMicros[won], k.Totals.Counts[won])));
            kpis.Add(new Kpi("mroi", "marketing ROI: (revenue - COGS - spend) / spend, COGS = revenue * (1 - gross margin); ratio", k => Mroi(k.Totals.AmountsMicros[won], k.Totals.SpendMicros, margin)));
            kpis.Add(new Kpi("ltv", "customer lifetime value: average deal size * gross margin * expected purchases; money", k => Ltv(k.Totals.AmountsMicros[won], k.Totals.Counts[won], margin, purchases)));
            kpis.Add(new Kpi("ltv_cac", "LTV / CAC; ratio", k => LtvToCac(k.Totals.AmountsMicros[won], k.Totals.Counts[won], k.Totals.SpendMicros, margin, purchases)));
            kpis.Add(new Kpi("cac_payback_months", "CAC payback: CAC / (average deal size / contract months * gross margin); months", k => CacPaybackMonths(k.Totals.SpendMicros, k.Totals.AmountsMicros[won], k.Totals.Counts[won], months, margin)));
            if (opportunity >= 0 && sql >= 0)
                kpis.Add(new Kpi("sales_velocity_per_day", "sales velocity: count(opportunity) * average deal size * win rate / mean sales cycle days; money per day",
                    k => SalesVelocityPerDay(k.Totals.Counts[opportunity], k.Totals.AmountsMicros[won], k.Totals.Counts[won], k.Totals.Counts[sql], k.MeanSalesCycleDays)));
            kpis.Add(new Kpi("revenue_change", "period-over-period change of revenue: (revenue - previous revenue) / previous revenue; ratio",
                k => k.HasPrevious ? Change(k.Totals.AmountsMicros[won], k.Previous.AmountsMicros[won]) : null));
            kpis.Add(new Kpi("deals_change", "period-over-period change of the deal count: (count(won) - previous count(won)) / previous count(won); ratio",
                k => k.HasPrevious ? Change(k.Totals.Counts[won], k.Previous.Counts[won]) : null));
        }
        if (renewal >= 0 && churn >= 0)
            kpis.Add(new Kpi("renewal_rate", "renewal success rate: count(renewal) / (count(renewal) + count(churn)); ratio", k => Ratio(k.Totals.Counts[renewal], k.Totals.Counts[renewal] + k.Totals.Counts[churn])));
        if (expansion >= 0 && churn >= 0 && options.NrrBaseMicros is > 0)
        {
            long baseMicros = options.NrrBaseMicros.Value;
            kpis.Add(new Kpi("nrr", "net revenue retention: (base + expansion amount - churn amount) / base; ratio", k => Nrr(baseMicros, k.Totals.AmountsMicros[expansion], k.Totals.AmountsMicros[churn])));
        }
        All = kpis;
    }

    /// <summary>The options the catalog was built with.</summary>
    public KpiOptions Options { get; }

    /// <summary>Every KPI, in output order.</summary>
    public IReadOnlyList<Kpi> All { get; }

    /// <summary>The conversion pairs: every adjacent pair of the ordered funnel, top to bottom, then the <see cref="NamedPairs"/> that are not adjacent and whose stages exist.</summary>
    public static IReadOnlyList<(int From, int To)> ConversionPairs(FunnelDefinition funnel)
    {
        var pairs = funnel.AdjacentPairs().ToList();
        foreach ((string a, string b) in NamedPairs)
        {
            (int from, int to) = (funnel.IndexOf(a), funnel.IndexOf(b));
            if (from >= 0 && to >= 0 && !pairs.Contains((from, to)))
                pairs.Add((from, to));
        }
        return pairs;
    }

    /// <summary>The stage ids that get a <c>cpa.&lt;stage&gt;</c>, in stage order.</summary>
    public static IReadOnlyList<int> ActionStageIds(FunnelDefinition funnel, KpiOptions options) =>
        Enumerable.Range(0, funnel.Stages.Count)
            .Where(s => s != funnel.SpendStage && (options.ActionStages is null || options.ActionStages.Contains(funnel.Stages[s])))
            .ToArray();

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/>, or <c>null</c> for a zero denominator.</summary>
    public static double? Ratio(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    /// <summary>Money (micro-units) per event, in currency units.</summary>
    public static double? Money(long micros, long denominator) => denominator == 0 ? null : micros / MicrosPerUnit / denominator;

    /// <summary>Money (micro-units) per thousand events, in currency units.</summary>
    public static double? PerThousand(long micros, long denominator) => denominator == 0 ? null : micros / MicrosPerUnit / denominator * 1000;

    /// <summary>(current - previous) / previous, or <c>null</c> when previous is 0.</summary>
    public static double? Change(long current, long previous) => previous == 0 ? null : (double)(current - previous) / previous;

    /// <summary>Marketing ROI: (r - r * (1 - margin) - s) / s with r, s revenue and spend in units; <c>null</c> without spend.</summary>
    public static double? Mroi(long revenueMicros, long spendMicros, double grossMargin)
    {
        if (spendMicros == 0)
            return null;
        double revenue = revenueMicros / MicrosPerUnit;
        double spend = spendMicros / MicrosPerUnit;
        double cogs = revenue * (1 - grossMargin);
        return (revenue - cogs - spend) / spend;
    }

    /// <summary>LTV: (revenue / won) * margin * purchases, in units; <c>null</c> without a win.</summary>
    public static double? Ltv(long revenueMicros, long won, double grossMargin, double expectedPurchases) =>
        won == 0 ? null : revenueMicros / MicrosPerUnit / won * grossMargin * expectedPurchases;

    /// <summary>LTV / CAC; <c>null</c> without a win or without spend.</summary>
    public static double? LtvToCac(long revenueMicros, long won, long spendMicros, double grossMargin, double expectedPurchases) =>
        won == 0 || spendMicros == 0 ? null : Ltv(revenueMicros, won, grossMargin, expectedPurchases)!.Value / Money(spendMicros, won)!.Value;

    /// <summary>
    /// CAC payback in months: CAC / (monthly revenue per customer * margin), where monthly revenue per
    /// customer = average deal size / contract months; <c>null</c> without a win or without revenue.
    /// </summary>
    public static double? CacPaybackMonths(long spendMicros, long revenueMicros, long won, double contractMonths, double grossMargin)
    {
        if (won == 0 || revenueMicros == 0)
            return null;
        double monthlyGrossProfit = revenueMicros / MicrosPerUnit / won / contractMonths * grossMargin;
        return spendMicros / MicrosPerUnit / won / monthlyGrossProfit;
    }

    /// <summary>
    /// Sales velocity in money per day: count(opportunity) * (revenue / won) * (won / sql) / mean cycle
    /// days; <c>null</c> without a win, without an SQL, or without a positive mean cycle.
    /// </summary>
    public static double? SalesVelocityPerDay(long opportunities, long revenueMicros, long won, long sql, double? meanCycleDays)
    {
        if (won == 0 || sql == 0 || meanCycleDays is not > 0)
            return null;
        double averageDeal = revenueMicros / MicrosPerUnit / won;
        double winRate = (double)won / sql;
        return opportunities * averageDeal * winRate / meanCycleDays.Value;
    }

    /// <summary>Net revenue retention: (base + expansion - churn) / base, exact integer micro-units then one division; <c>null</c> without a base.</summary>
    public static double? Nrr(long baseMicros, long expansionMicros, long churnMicros) =>
        baseMicros == 0 ? null : (double)(baseMicros + expansionMicros - churnMicros) / baseMicros;
}
