using System.Runtime.CompilerServices;

namespace FunnelStream.Events.Internal;

/// <summary>Conversion of JSON money numbers to micro-units (see <see cref="FunnelEvent"/>).</summary>
internal static class Micros
{
    /// <summary>Micro-units per currency unit.</summary>
    public const long PerUnit = 1_000_000;

    /// <summary>10^(6 - fraction digits).</summary>
    private static readonly long[] Scale = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>
    /// The common case without <see cref="decimal"/>: a JSON number (already validated by the reader)
    /// with no sign, no exponent, at most 13 integer digits and at most 6 fraction digits, which is
    /// exact in micro-units. <c>false</c> means "use <see cref="FromDecimal"/>", not "invalid".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParsePlain(ReadOnlySpan<byte> number, out long micros)
    {
        micros = 0;
        long whole = 0;
        int i = 0;
        for (; i < number.Length; i++)
        {
            uint d = (uint)(number[i] - '0');
            if (d > 9)
                break;
            whole = whole * 10 + d;
        }
        if (i == 0 || i > 13)
            return false;
        long fraction = 0;
        int digits = 0;
        if (i < number.Length)
        {
            if (number[i] != '.')
                return false;
            while (++i < number.Length)
            {
                uint d = (uint)(number[i] - '0');
                if (d > 9 || ++digits > 6)
                    return false;
                fraction = fraction * 10 + d;
            }
        }
        micros = whole * PerUnit + fraction * Scale[digits];
        return true;
    }

    /// <summary>Whether a JSON number has a minus sign and a non-zero digit before its exponent (so <c>-0.0</c> is not negative).</summary>
    public static bool IsNegativeNonZero(ReadOnlySpan<byte> number)
    {
        if (number.IsEmpty || number[0] != '-')
            return false;
        int exponent = number.IndexOfAny((byte)'e', (byte)'E');
        ReadOnlySpan<byte> mantissa = exponent < 0 ? number : number[..exponent];
        return mantissa.IndexOfAnyInRange((byte)'1', (byte)'9') >= 0;
    }

    /// <summary>Rounds half away from zero to 6 places; <paramref name="value"/> must be within ±9.2e12.</summary>
    public static long FromDecimal(decimal value) =>
        (long)(Math.Round(value, 6, MidpointRounding.AwayFromZero) * PerUnit);
}
