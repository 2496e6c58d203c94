using FunnelStream.Engine.Kpis;
using FunnelStream.Events;

namespace FunnelStream.Tests.Kpis;

public class KpiCatalogTests
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;

    private static long Micros(decimal units) => (long)(units * 1_000_000m);

    /// <summary>Inputs with the given counts (by stage name), amounts (units) and spend (units).</summary>
    private static KpiInputs Inputs(
        (string Stage, long Count)[]? counts = null, (string Stage, decimal Amount)[]? amounts = null, decimal spend = 0)
    {
        var inputs = new KpiInputs(Funnel.Stages.Count);
        foreach ((string stage, long count) in counts ?? [])
            inputs.Totals.Counts[Funnel.IndexOf(stage)] = count;
        foreach ((string stage, decimal amount) in amounts ?? [])
            inputs.Totals.AmountsMicros[Funnel.IndexOf(stage)] = Micros(amount);
        inputs.Totals.SpendMicros = Micros(spend);
        return inputs;
    }

    private static Dictionary<string, double> Evaluate(KpiInputs inputs, KpiOptions? options = null)
    {
        var catalog = new KpiCatalog(Funnel, options ?? KpiOptions.Default);
        var values = new Dictionary<string, double>();
        foreach (Kpi kpi in catalog.All)
        {
            if (kpi.Evaluate(inputs) is double v)
                values[kpi.Name] = v;
        }
        return values;
    }

    [Fact]
    public void Mroi_SeedZeroExample_TwoPointThreeThree()
    {
        // Seed 000: revenue 2,500, COGS 500 (gross margin 80 %), spend 600: (2500 - 500 - 600) / 600 = 233 %.
        double? mroi = KpiCatalog.Mroi(Micros(2500), Micros(600), 0.8);
        Assert.Equal(2.33, Math.Round(mroi!.Value, 2));
        Assert.Equal(1400.0 / 600, mroi.Value, 12);
    }

    [Fact]
    public void Mroi_NoSpend_NoValue() => Assert.Null(KpiCatalog.Mroi(Micros(2500), 0, 0.8));

    [Fact]
    public void Evaluate_TopOfFunnel_CtrCpmCpcTrafficToLead()
    {
        var v = Evaluate(Inputs([("impression", 10_000), ("click", 200), ("lead", 10)], spend: 50));
        Assert.Equal(0.02, v["ctr"]);
        Assert.Equal(5, v["cpm"], 12);
        Assert.Equal(0.25, v["cpc"]);
        Assert.Equal(5, v["cpl"]);
        Assert.Equal(0.05, v["traffic_to_lead"]);
        Assert.Equal(0.05, v["conversion.click.lead"]);
    }

    [Fact]
    public void Evaluate_Conversions_AdjacentThenNamedPairs()
    {
        var v = Evaluate(Inputs([("click", 100), ("lead", 20), ("mql", 10), ("sql", 4), ("opportunity", 2), ("won", 1)]));
        Assert.Equal(0.1, v["conversion.click.mql"]);
        Assert.Equal(0.4, v["conversion.mql.sql"]);
        Assert.Equal(0.25, v["conversion.sql.won"]);
        Assert.Equal(0.5, v["conversion.opportunity.won"]);
        var names = new KpiCatalog(Funnel).All.Select(k => k.Name).Where(n => n.StartsWith("conversion.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["conversion.impression.click", "conversion.click.lead", "conversion.lead.mql", "conversion.mql.sql",
             "conversion.sql.opportunity", "conversion.opportunity.won", "conversion.click.mql", "conversion.sql.won"], names);
    }

    [Fact]
    public void Evaluate_CostPerAction_EveryStageByDefault_OnlyConfiguredOnes()
    {
        KpiInputs inputs = Inputs([("impression", 1000), ("click", 10), ("mql", 4), ("won", 2)], spend: 100);
        var all = Evaluate(inputs);
        Assert.Equal(0.1, all["cpa.impression"]);
        Assert.Equal(25, all["cpa.mql"]);
        Assert.Equal(50, all["cpa.won"]);
        Assert.DoesNotContain("cpa.sql", all.Keys); // no sql: no value
        Assert.DoesNotContain("cpa.spend", new KpiCatalog(Funnel).All.Select(k => k.Name));

        var some = Evaluate(inputs, new KpiOptions { ActionStages = ["mql"] });
        Assert.Equal(["cpa.mql"], some.Keys.Where(k => k.StartsWith("cpa.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Evaluate_Revenue_WinRatesCacDealSizeLtvPayback()
    {
        // 12 sql, 3 won (36,000 of annual contracts), 1 lost, spend 6,000; margin 80 %, 3 purchases.
        KpiInputs inputs = Inputs([("sql", 12), ("won", 3), ("lost", 1)], [("won", 36_000)], spend: 6000);
        var v = Evaluate(inputs, new KpiOptions { GrossMargin = 0.8, ExpectedPurchases = 3, ContractMonths = 12 });
        Assert.Equal(0.25, v["win_rate"]);
        Assert.Equal(0.75, v["closed_win_rate"]);
        Assert.Equal(2000, v["cac"]);
        Assert.Equal(12_000, v["avg_deal_size"]);
        Assert.Equal(28_800, v["ltv"], 9);            // 12,000 * 0.8 * 3
        Assert.Equal(14.4, v["ltv_cac"], 12);         // 28,800 / 2,000
        Assert.Equal(2.5, v["cac_payback_months"], 12); // 2,000 / (12,000 / 12 * 0.8)
        Assert.Equal((36_000 - 36_000 * (1 - 0.8) - 6000) / 6000, v["mroi"], 12);
    }

    [Fact]
    public void Evaluate_SalesVelocity_NeedsTheMeanSalesCycle()
    {
        KpiInputs inputs = Inputs([("sql", 12), ("opportunity", 10), ("won", 3)], [("won", 36_000)]);
        Assert.DoesNotContain("sales_velocity_per_day", Evaluate(inputs).Keys);

        inputs.MeanSalesCycleDays = 30;
        Assert.Equal(1000, Evaluate(inputs)["sales_velocity_per_day"], 9); // 10 * 12,000 * 0.25 / 30
        inputs.MeanSalesCycleDays = 0;
        Assert.DoesNotContain("sales_velocity_per_day", Evaluate(inputs).Keys);
    }

    [Fact]
    public void Evaluate_PeriodOverPeriod_AgainstThePreviousWindow()
    {
        KpiInputs inputs = Inputs([("won", 6)], [("won", 12_000)]);
        Assert.DoesNotContain("revenue_change", Evaluate(inputs).Keys); // previous window unknown

        inputs.HasPrevious = true;
        inputs.Previous.Counts[Funnel.IndexOf("won")] = 4;
        inputs.Previous.AmountsMicros[Funnel.IndexOf("won")] = Micros(15_000);
        var v = Evaluate(inputs);
        Assert.Equal(-0.2, v["revenue_change"], 12);
        Assert.Equal(0.5, v["deals_change"]);

        inputs.Previous.Clear();
        Assert.DoesNotContain("revenue_change", Evaluate(inputs).Keys); // previous 0: no value, not infinity
        Assert.DoesNotContain("deals_change", Evaluate(inputs).Keys);
    }

    [Fact]
    public void Evaluate_AfterTheSale_ExpansionRenewalNrr()
    {
        KpiInputs inputs = Inputs([("renewal", 8), ("churn", 2), ("expansion", 1)], [("expansion", 10_000), ("churn", 5_000)]);
        var v = Evaluate(inputs, new KpiOptions { NrrBaseMicros = Micros(100_000) });
        Assert.Equal(0.8, v["renewal_rate"]);
        Assert.Equal(1.05, v["nrr"]);
        Assert.DoesNotContain("nrr", Evaluate(inputs).Keys); // no base configured
    }

    [Fact]
    public void Evaluate_NothingCounted_OnlyNrrHasAValue()
    {
        var v = Evaluate(new KpiInputs(Funnel.Stages.Count) { HasPrevious = true, MeanSalesCycleDays = 10 }, new KpiOptions { NrrBaseMicros = 1 });
        Assert.Equal(["nrr"], v.Keys);
        Assert.Equal(1, v["nrr"]);
    }

    [Fact]
    public void Ratio_ZeroDenominator_NullNotZeroOrInfinity()
    {
        Assert.Null(KpiCatalog.Ratio(5, 0));
        Assert.Null(KpiCatalog.Money(5, 0));
        Assert.Null(KpiCatalog.PerThousand(5, 0));
        Assert.Null(KpiCatalog.Change(5, 0));
        Assert.Null(KpiCatalog.Ltv(5, 0, 1, 1));
        Assert.Null(KpiCatalog.LtvToCac(5, 1, 0, 1, 1));
        Assert.Null(KpiCatalog.CacPaybackMonths(5, 0, 1, 12, 1));
        Assert.Null(KpiCatalog.SalesVelocityPerDay(1, 5, 1, 0, 10));
        Assert.Null(KpiCatalog.Nrr(0, 5, 5));
        Assert.Equal(0, KpiCatalog.Ratio(0, 5));
    }

    [Fact]
    public void Constructor_FunnelWithoutDealStages_LeavesTheirKpisOut()
    {
        var funnel = new FunnelDefinition(["impression", "click", "signup"], [], []);
        var names = new KpiCatalog(funnel).All.Select(k => k.Name).ToArray();
        Assert.Equal(["ctr", "cpm", "cpc", "conversion.impression.click", "conversion.click.signup", "cpa.impression", "cpa.click", "cpa.signup"], names);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Constructor_GrossMarginOutsideZeroOne_ArgumentException(double margin)
    {
        var e = Assert.Throws<ArgumentException>(() => new KpiCatalog(Funnel, new KpiOptions { GrossMargin = margin }));
        Assert.Equal(nameof(KpiOptions.GrossMargin), e.ParamName);
    }

    [Fact]
    public void Constructor_UnknownActionStage_ArgumentExceptionNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new KpiCatalog(Funnel, new KpiOptions { ActionStages = ["demo"] }));
        Assert.Contains("'demo'", e.Message);
    }

    [Fact]
    public void Compute_TotalsOnly_SameAsInputsWithoutPreviousWindow()
    {
        KpiInputs inputs = Inputs([("impression", 10), ("click", 3), ("won", 1)], [("won", 500), ("expansion", 20)], spend: 7);
        var metrics = new WindowMetrics(Funnel, new KpiOptions { GrossMargin = 0.5 });
        var fromTotals = new List<MetricValue>();
        var fromInputs = new List<MetricValue>();
        metrics.Compute(inputs.Totals, fromTotals);
        metrics.Compute(inputs, fromInputs);
        Assert.Equal(fromInputs, fromTotals);
        Assert.Contains(new MetricValue("expansion_revenue", MetricKind.Money, 20_000_000, 0), fromTotals);
        Assert.DoesNotContain(fromTotals, v => v.Name == "revenue_change");
    }
}
