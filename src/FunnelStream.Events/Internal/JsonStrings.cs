using System.Text;

namespace FunnelStream.Events.Internal;

/// <summary>Helpers for JSON string values that <see cref="System.Text.Json.Utf8JsonReader"/> has already validated.</summary>
internal static class JsonStrings
{
    /// <summary>
    /// Unescapes the raw bytes of a string token that has escapes. Unlike
    /// <c>Utf8JsonReader.CopyString</c> it does not throw on an escaped lone surrogate
    /// (<c>"\uD800"</c>, which is valid JSON syntax but not text); it returns <c>false</c> instead.
    /// </summary>
    /// <param name="raw">The token's <c>ValueSpan</c>; its escape syntax was validated by the reader.</param>
    /// <param name="destination">At least <c>raw.Length</c> bytes: unescaping never grows the text.</param>
    /// <param name="written">How many bytes of <paramref name="destination"/> hold the text.</param>
    public static bool TryUnescape(ReadOnlySpan<byte> raw, Span<byte> destination, out int written)
    {
        int w = 0;
        while (true)
        {
            int slash = raw.IndexOf((byte)'\\');
            if (slash < 0)
            {
                raw.CopyTo(destination[w..]);
                written = w + raw.Length;
                return true;
            }
            raw[..slash].CopyTo(destination[w..]);
            w += slash;
            if (slash + 1 >= raw.Length)
                break;
            byte c = raw[slash + 1];
            raw = raw[(slash + 2)..];
            switch (c)
            {
                case (byte)'"': destination[w++] = (byte)'"'; break;
                case (byte)'\\': destination[w++] = (byte)'\\'; break;
                case (byte)'/': destination[w++] = (byte)'/'; break;
                case (byte)'b': destination[w++] = (byte)'\b'; break;
                case (byte)'f': destination[w++] = (byte)'\f'; break;
                case (byte)'n': destination[w++] = (byte)'\n'; break;
                case (byte)'r': destination[w++] = (byte)'\r'; break;
                case (byte)'t': destination[w++] = (byte)'\t'; break;
                case (byte)'u':
                    if (!TryReadHex4(raw, out int unit))
                        goto Fail;
                    raw = raw[4..];
                    if (unit is >= 0xD800 and <= 0xDBFF)
                    {
                        if (raw.Length < 6 || raw[0] != '\\' || raw[1] != 'u'
                            || !TryReadHex4(raw[2..], out int low) || low is < 0xDC00 or > 0xDFFF)
                        {
                            goto Fail;
                        }
                        raw = raw[6..];
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    }
                    else if (unit is >= 0xDC00 and <= 0xDFFF)
                    {
                        goto Fail;
                    }
                    w += new Rune(unit).EncodeToUtf8(destination[w..]);
                    break;
                default:
                    goto Fail;
            }
        }
    Fail:
        written = 0;
        return false;
    }

    /// <summary>The number of Unicode scalar values in valid UTF-8 <paramref name="utf8"/>.</summary>
    public static int CountScalars(ReadOnlySpan<byte> utf8)
    {
        // Every scalar has exactly one byte that is not a continuation byte (10xxxxxx).
        int continuation = 0;
        foreach (byte b in utf8)
        {
            if ((b & 0xC0) == 0x80)
                continuation++;
        }
        return utf8.Length - continuation;
    }

    private static bool TryReadHex4(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (s.Length < 4)
            return false;
        for (int i = 0; i < 4; i++)
        {
            int d = HexValue(s[i]);
            if (d < 0)
                return false;
            value = (value << 4) | d;
        }
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
