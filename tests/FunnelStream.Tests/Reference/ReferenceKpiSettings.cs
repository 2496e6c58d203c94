using System.Globalization;

namespace FunnelStream.Tests.Reference;

/// <summary>
/// The KPI constants the SQL reference computes with, as the replay's <c>KpiOptions</c> holds them.
/// Values written into SQL as round-trip literals; tests choose binary-exact ones (0.75, 2.5, ...) so
/// that sqlite3's decimal parsing cannot differ from .NET's by an ulp.
/// </summary>
/// <param name="GrossMargin">Gross margin in (0, 1].</param>
/// <param name="ExpectedPurchases">Expected purchases per customer.</param>
/// <param name="ContractMonths">Months a won amount pays for.</param>
/// <param name="NrrBaseMicros">NRR base in micro-units; <c>null</c> for no <c>nrr</c> rows.</param>
/// <param name="MeanSalesCycleDays">A mean sales-cycle length for every window and breakdown; <c>null</c> for no <c>sales_velocity_per_day</c> rows (unless <paramref name="SalesCycleFromJourneys"/>).</param>
/// <param name="SalesCycleFromJourneys">Compute the mean sales cycle per window and breakdown from the journeys (a self-join on journey), as replay does with journeys on; overrides <paramref name="MeanSalesCycleDays"/>.</param>
public sealed record ReferenceKpiSettings(
    double GrossMargin = 1.0,
    double ExpectedPurchases = 1.0,
    double ContractMonths = 12.0,
    long? NrrBaseMicros = null,
    double? MeanSalesCycleDays = null,
    bool SalesCycleFromJourneys = false)
{
    /// <summary>The replay defaults.</summary>
    public static ReferenceKpiSettings Default { get; } = new();

    /// <summary>A double as an SQL real literal that parses back to the same double.</summary>
    internal static string Literal(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }
}
