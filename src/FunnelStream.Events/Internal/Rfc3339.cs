using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FunnelStream.Events.Internal;

/// <summary>
/// A hand-written parser for RFC 3339 date-times (section 5.6), the string form of <c>ts</c>
/// (spec/events.md), straight from UTF-8 bytes to Unix epoch milliseconds.
/// </summary>
/// <remarks>
/// Accepts <c>YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|+HH:MM|-HH:MM)</c>. The fraction may have any
/// number of digits and is truncated to milliseconds (so a time never moves into the next window).
/// A leap second (<c>:60</c>) is read as <c>:59.999</c>, keeping it in its minute. It is the whole
/// grammar, not just a fast path for a common shape: a fallback through <see cref="DateTimeOffset"/>
/// would also accept forms that are not RFC 3339 (no offset, no seconds, local formats), which the
/// contract rejects as <c>invalid_ts</c>. Years 0001..9999 only.
/// </remarks>
internal static class Rfc3339
{
    private const long MsPerMinute = 60_000;
    private const long MsPerDay = 86_400_000;

    /// <summary>Parses <paramref name="s"/>; <c>false</c> when it is not an RFC 3339 date-time.</summary>
    public static bool TryParseUnixMs(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;
        if (s.Length < 20)
            return false;

        // The fixed-width head "YYYY-MM-DD?HH:MM:SS" as three little-endian words, validated and
        // converted a word at a time (SWAR) instead of a branch per character.
        ulong date = BinaryPrimitives.ReadUInt64LittleEndian(s);            // YYYY-MM-
        ulong time = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);       // DD?HH:MM
        ulong secs = BinaryPrimitives.ReadUInt32LittleEndian(s[15..]);      // M:SS
        const ulong DateDigits = 0x00FF_FF00_FFFF_FFFF, TimeDigits = 0xFFFF_00FF_FF00_FFFF, SecsDigits = 0xFFFF_0000;
        ulong d0 = (date & DateDigits) | (Zeros & ~DateDigits);
        ulong d1 = (time & TimeDigits) | (Zeros & ~TimeDigits);
        ulong d2 = (secs & SecsDigits) | (Zeros & ~SecsDigits);
        byte separator = s[10];
        bool ok = AllDigits(d0) & AllDigits(d1) & AllDigits(d2)
            & ((date & 0xFF00_00FF_0000_0000) == 0x2D00_002D_0000_0000)    // '-' at 4 and 7
            & ((time & 0x0000_FF00_0000_0000) == 0x0000_3A00_0000_0000)    // ':' at 13
            & ((secs & 0xFF00) == 0x3A00)                                  // ':' at 16
            & (((separator | 0x20) == 't') | (separator == ' '));
        if (!ok)
            return false;
        // Byte k of Pairs(x) is digit k * 10 + digit k+1.
        ulong p0 = Pairs(d0), p1 = Pairs(d1), p2 = Pairs(d2);
        int century = (int)(p0 & 0xFF), yy = (int)(p0 >> 16 & 0xFF), month = (int)(p0 >> 40 & 0xFF);
        int day = (int)(p1 & 0xFF), hour = (int)(p1 >> 24 & 0xFF), minute = (int)(p1 >> 48 & 0xFF);
        int second = (int)(p2 >> 16 & 0xFF);

        int i = 19;
        int ms = 0;
        if (s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                if (i - start < 3)
                    ms = ms * 10 + (s[i] - '0');
                i++;
            }
            switch (i - start)
            {
                case 0: return false;
                case 1: ms *= 100; break;
                case 2: ms *= 10; break;
            }
            if (i == s.Length)
                return false;
        }

        int offsetMinutes = 0;
        byte zone = s[i];
        if ((zone | 0x20) == 'z')
        {
            i++;
        }
        else if (zone is (byte)'+' or (byte)'-')
        {
            if (s.Length - i != 6
                || !(Digits2(s, i + 1, out int oh) & (s[i + 3] == ':') & Digits2(s, i + 4, out int om))
                || oh > 23 || om > 59)
            {
                return false;
            }
            offsetMinutes = zone == '-' ? -(oh * 60 + om) : oh * 60 + om;
            i += 6;
        }
        if (i != s.Length)
            return false;

        int year = century * 100 + yy;
        if (year == 0 || (uint)(month - 1) > 11 || day == 0 || day > DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }
        if (second == 60)
        {
            second = 59;
            ms = 999;
        }
        unixMs = DaysFromCivil(year, month, day) * MsPerDay
            + (hour * 3600 + minute * 60 + second) * 1000L + ms
            - offsetMinutes * MsPerMinute;
        return true;
    }

    private const ulong Zeros = 0x3030_3030_3030_3030;

    /// <summary>Every byte is an ASCII digit: high nibble 3, and adding 6 does not carry out of the low nibble.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllDigits(ulong word) =>
        ((word & 0xF0F0_F0F0_F0F0_F0F0) == Zeros) & (((word + 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == Zeros);

    /// <summary>For a word of ASCII digits: byte k becomes digit k * 10 + digit k+1 (at most 99, so no carries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pairs(ulong digits)
    {
        ulong v = digits - Zeros;
        return v * 10 + (v >> 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Digits2(ReadOnlySpan<byte> s, int at, out int value)
    {
        uint tens = (uint)(s[at] - '0');
        uint ones = (uint)(s[at + 1] - '0');
        value = (int)(tens * 10 + ones);
        return (tens <= 9) & (ones <= 9);
    }

    private static int DaysInMonth(int year, int month) =>
        month == 2
            ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
            : 30 + ((month + (month >> 3)) & 1);

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), year &gt;= 1.</summary>
    private static long DaysFromCivil(int year, int month, int day)
    {
        int y = month <= 2 ? year - 1 : year;
        int era = y / 400;
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468;
    }
}
