using System.Globalization;
using System.Text;

namespace FunnelStream.Tests.Reference;

/// <summary>One row of the SQL reference: a metric of one window and breakdown (see <see cref="SqliteReference"/>).</summary>
/// <param name="WindowStart">Inclusive start of the tumbling window, UTC.</param>
/// <param name="WindowEnd">Exclusive end: start plus the window size.</param>
/// <param name="Dims">The breakdown's values, one per requested dimension in request order (<c>unknown</c> when missing or empty); empty for totals.</param>
/// <param name="Metric">The metric name, e.g. <c>events.click</c>, <c>spend</c>, <c>cpc</c>, <c>conversion.mql.sql</c>.</param>
/// <param name="Kind">Which of <see cref="Exact"/> and <see cref="Real"/> is the exact value.</param>
/// <param name="Exact">For <see cref="ReferenceValueKind.Count"/> and <see cref="ReferenceValueKind.Money"/>: the exact value (money in currency units, from integer micro-units). 0 for ratios.</param>
/// <param name="Real">For <see cref="ReferenceValueKind.Ratio"/>: the bit-exact double. For counts and money: <see cref="Exact"/> converted to double, for convenience.</param>
public sealed record ReferenceRow(
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    IReadOnlyList<string> Dims,
    string Metric,
    ReferenceValueKind Kind,
    decimal Exact,
    double Real)
{
    /// <summary>
    /// The value as the replay CSV writes it: counts as integers, money as decimal units without
    /// trailing zeros (<c>0.######</c>), ratios as shortest round-trip doubles (<c>R</c>).
    /// </summary>
    public string ValueText => Kind switch
    {
        ReferenceValueKind.Count => ((long)Exact).ToString(CultureInfo.InvariantCulture),
        ReferenceValueKind.Money => Exact.ToString("0.######", CultureInfo.InvariantCulture),
        _ => Real.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The row as one line of replay CSV, without the newline: <c>window_start,window_end,&lt;dims...&gt;,metric,value</c>.</summary>
    public string ToCsvLine()
    {
        var line = new StringBuilder();
        line.Append(FormatTime(WindowStart)).Append(',').Append(FormatTime(WindowEnd)).Append(',');
        foreach (string d in Dims)
            line.Append(CsvField(d)).Append(',');
        return line.Append(Metric).Append(',').Append(ValueText).ToString();
    }

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-03-02T08:00:00.000Z</c>.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180: quote a field holding a comma, quote, CR or LF, doubling inner quotes.</summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
