namespace FunnelStream.Engine.Kpis;

/// <summary>
/// The business constants some KPIs of spec/kpis.md need besides event counts. Plain values: the
/// host binds and validates them (<c>FunnelStream:Kpis</c>, docs/configuration.md). Immutable once built.
/// </summary>
/// <remarks>
/// Defaults: gross margin 1.0 (no cost of goods), 1 expected purchase per customer, a contract term
/// of 12 months, no net-revenue-retention base (so no <c>nrr</c>), every stage an action stage.
/// </remarks>
public sealed class KpiOptions
{
    /// <summary>The defaults.</summary>
    public static KpiOptions Default { get; } = new();

    /// <summary>Gross margin, a fraction in (0, 1]: COGS = revenue * (1 - gross margin). Used by <c>mroi</c>, <c>ltv</c>, <c>cac_payback_months</c>.</summary>
    public double GrossMargin { get; init; } = 1.0;

    /// <summary>Expected purchases per customer over its lifetime (positive), for <c>ltv</c>.</summary>
    public double ExpectedPurchases { get; init; } = 1.0;

    /// <summary>
    /// The contract term in months (positive) that a <c>won</c> amount pays for: monthly revenue per
    /// customer = average deal size / this, for <c>cac_payback_months</c>.
    /// </summary>
    public double ContractMonths { get; init; } = 12.0;

    /// <summary>The revenue base of net revenue retention, micro-units; <c>null</c> (or 0) means <c>nrr</c> has no value.</summary>
    public long? NrrBaseMicros { get; init; }

    /// <summary>Stages that get a cost per action <c>cpa.&lt;stage&gt;</c>; <c>null</c> means every stage except <c>spend</c>.</summary>
    public IReadOnlyList<string>? ActionStages { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate(Events.FunnelDefinition funnel)
    {
        if (!(GrossMargin > 0 && GrossMargin <= 1))
            throw new ArgumentException($"gross margin must be in (0, 1] (got {GrossMargin})", nameof(GrossMargin));
        if (!(ExpectedPurchases > 0 && double.IsFinite(ExpectedPurchases)))
            throw new ArgumentException($"expected purchases must be positive (got {ExpectedPurchases})", nameof(ExpectedPurchases));
        if (!(ContractMonths > 0 && double.IsFinite(ContractMonths)))
            throw new ArgumentException($"contract months must be positive (got {ContractMonths})", nameof(ContractMonths));
        if (NrrBaseMicros is < 0)
            throw new ArgumentException($"the NRR base must not be negative (got {NrrBaseMicros / 1e6})", nameof(NrrBaseMicros));
        foreach (string s in ActionStages ?? [])
        {
            if (funnel.IndexOf(s) < 0 || s == Events.FunnelDefinition.SpendStageName)
                throw new ArgumentException($"action stage '{s}' is not a stage of the funnel; allowed: {string.Join(", ", funnel.Stages.Where(x => x != Events.FunnelDefinition.SpendStageName))}", nameof(ActionStages));
        }
    }
}
