using FunnelStream.Engine.Kpis;
using FunnelStream.Events;

namespace FunnelStream.Configuration;

/// <summary><c>FunnelStream:Kpis</c>: the business constants of the KPI catalog (docs/kpis.md).</summary>
/// <remarks>
/// Defaults: <c>GrossMargin</c> 1.0, <c>ExpectedPurchases</c> 1, <c>ContractMonths</c> 12, <c>NrrBase</c>
/// unset (no <c>nrr</c>), <c>ActionStages</c> unset (a cost per action for every stage).
/// </remarks>
public sealed class KpiSettings
{
    /// <summary>Gross margin in (0, 1]; COGS = revenue * (1 - gross margin). Default 1.0.</summary>
    public double GrossMargin { get; set; } = 1.0;

    /// <summary>Expected purchases per customer, for LTV; positive. Default 1.</summary>
    public double ExpectedPurchases { get; set; } = 1.0;

    /// <summary>Months a <c>won</c> amount pays for (monthly revenue per customer = average deal size / this); positive. Default 12.</summary>
    public double ContractMonths { get; set; } = 12.0;

    /// <summary>Revenue base of net revenue retention, currency units, positive; unset leaves NRR out. Default unset.</summary>
    public decimal? NrrBase { get; set; }

    /// <summary>Stages with a cost per action; unset means every stage. Default unset.</summary>
    public string[]? ActionStages { get; set; }

    /// <summary>Validates these settings (adding errors that name the key) and turns them into engine options.</summary>
    internal KpiOptions Resolve(FunnelDefinition? funnel, List<string> errors)
    {
        const string K = FunnelStreamOptions.Section + ":Kpis:";
        int before = errors.Count;
        if (!(GrossMargin > 0 && GrossMargin <= 1))
            errors.Add($"{K}GrossMargin: must be in (0, 1], a fraction such as 0.8 for 80 % (got {GrossMargin})");
        if (!(ExpectedPurchases > 0 && double.IsFinite(ExpectedPurchases)))
            errors.Add($"{K}ExpectedPurchases: must be a positive number (got {ExpectedPurchases})");
        if (!(ContractMonths > 0 && double.IsFinite(ContractMonths)))
            errors.Add($"{K}ContractMonths: must be a positive number of months (got {ContractMonths})");
        if (NrrBase is { } nrrBase && !(nrrBase > 0 && nrrBase <= 1_000_000_000_000m))
            errors.Add($"{K}NrrBase: must be in (0, 1000000000000] currency units, or unset (got {nrrBase})");
        if (ActionStages is not null && funnel is not null)
        {
            foreach (string s in ActionStages)
            {
                if (funnel.IndexOf(s ?? "") < 0 || s == FunnelDefinition.SpendStageName)
                    errors.Add($"{K}ActionStages: '{s}' is not a configured stage; allowed: {string.Join(", ", funnel.Stages.Where(x => x != FunnelDefinition.SpendStageName))}");
            }
        }
        if (errors.Count > before)
            return KpiOptions.Default;
        return new KpiOptions
        {
            GrossMargin = GrossMargin,
            ExpectedPurchases = ExpectedPurchases,
            ContractMonths = ContractMonths,
            NrrBaseMicros = NrrBase is { } b ? (long)decimal.Round(b * 1_000_000m, MidpointRounding.AwayFromZero) : null,
            ActionStages = ActionStages,
        };
    }
}
