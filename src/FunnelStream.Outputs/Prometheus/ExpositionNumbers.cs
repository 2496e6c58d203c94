using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>Renders sample values and <c>le</c> label values as UTF-8, without strings on the write path.</summary>
internal static class ExpositionNumbers
{
    /// <summary>
    /// Room that any value needs: the longest shortest-round-trip double is 24 bytes
    /// (<c>-1.7976931348623157E+308</c>), plus <c>.0</c>; the longest long is 20.
    /// </summary>
    public const int MaxLength = 32;

    /// <summary>
    /// Writes <paramref name="value"/> as its shortest round-trip decimal (invariant culture), or
    /// <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, into at least <see cref="MaxLength"/> bytes.
    /// </summary>
    /// <remarks>
    /// The exponent is written with a lower-case <c>e</c> as Go does (both formats accept either case).
    /// In OpenMetrics an integral double gets <c>.0</c>, because there a number without decimal point
    /// or exponent is an integer (OpenMetrics 1.0, "Numbers"); text 0.0.4 has no such distinction.
    /// Negative zero is written as <c>0</c>.
    /// </remarks>
    public static int WriteDouble(double value, Span<byte> destination, ExpositionFormat format)
    {
        Debug.Assert(destination.Length >= MaxLength);
        if (!double.IsFinite(value))
        {
            ReadOnlySpan<byte> special = double.IsNaN(value) ? "NaN"u8 : value > 0 ? "+Inf"u8 : "-Inf"u8;
            special.CopyTo(destination);
            return special.Length;
        }
        if (value == 0)
            value = 0; // -0.0 would otherwise render as "-0"
        bool ok = value.TryFormat(destination, out int length, "R", CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        int exponent = destination[..length].IndexOf((byte)'E');
        if (exponent >= 0)
        {
            destination[exponent] = (byte)'e';
            return length;
        }
        if (format == ExpositionFormat.OpenMetrics100 && destination[..length].IndexOf((byte)'.') < 0)
        {
            destination[length++] = (byte)'.';
            destination[length++] = (byte)'0';
        }
        return length;
    }

    /// <summary>Writes <paramref name="value"/> in decimal digits, no exponent or decimal point.</summary>
    public static int WriteInt64(long value, Span<byte> destination)
    {
        bool ok = value.TryFormat(destination, out int length, default, CultureInfo.InvariantCulture);
        Debug.Assert(ok);
        return length;
    }

    /// <summary>
    /// The canonical rendering of a histogram bucket bound for the <c>le</c> label: Go's shortest
    /// <c>%g</c> with <c>.0</c> appended when there is neither decimal point nor exponent, e.g.
    /// <c>0.005</c>, <c>1.0</c>, <c>100000.0</c>, <c>1e+06</c>, <c>1e-05</c>, <c>+Inf</c>.
    /// </summary>
    /// <remarks>
    /// OpenMetrics 1.0 ("Considerations: Canonical Numbers") asks for exactly this, so that one bound
    /// always has one label value. Called once per bound when a family is built, so it may allocate.
    /// </remarks>
    public static string CanonicalLe(double bound)
    {
        if (double.IsPositiveInfinity(bound))
            return "+Inf";
        if (!double.IsFinite(bound))
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "A bucket bound must be a finite number or +Inf.");
        if (bound == 0)
            return "0.0";

        // .NET's "R" gives the shortest round-trip digits but switches to an exponent at other points
        // than Go does; take its digits and decimal point position and lay them out the way Go's
        // strconv.FormatFloat(f, 'g', -1, 64) does.
        string shortest = bound.ToString("R", CultureInfo.InvariantCulture);
        bool negative = shortest[0] == '-';
        ReadOnlySpan<char> text = shortest.AsSpan(negative ? 1 : 0);
        int exponentAt = text.IndexOf('E');
        int exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        ReadOnlySpan<char> mantissa = exponentAt < 0 ? text : text[..exponentAt];
        int dot = mantissa.IndexOf('.');
        ReadOnlySpan<char> integral = dot < 0 ? mantissa : mantissa[..dot];
        ReadOnlySpan<char> fraction = dot < 0 ? default : mantissa[(dot + 1)..];

        string all = string.Concat(integral, fraction);
        int point = integral.Length + exponent; // digits before the decimal point
        int leadingZeros = all.Length - all.TrimStart('0').Length;
        string digits = all[leadingZeros..].TrimEnd('0');
        point -= leadingZeros;

        var result = new StringBuilder(32);
        if (negative)
            result.Append('-');
        int decimalExponent = point - 1;
        if (decimalExponent < -4 || decimalExponent >= 6)
        {
            result.Append(digits[0]);
            if (digits.Length > 1)
                result.Append('.').Append(digits, 1, digits.Length - 1);
            result.Append('e').Append(decimalExponent < 0 ? '-' : '+');
            int magnitude = Math.Abs(decimalExponent);
            if (magnitude < 10)
                result.Append('0');
            result.Append(magnitude.ToString(CultureInfo.InvariantCulture));
            return result.ToString();
        }
        if (point <= 0)
            result.Append('0');
        else
            result.Append(digits.AsSpan(0, Math.Min(point, digits.Length))).Append('0', Math.Max(0, point - digits.Length));
        if (digits.Length > point)
        {
            result.Append('.').Append('0', Math.Max(0, -point));
            result.Append(digits.AsSpan(Math.Max(0, point)));
        }
        else
        {
            result.Append(".0");
        }
        return result.ToString();
    }
}
