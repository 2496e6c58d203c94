using System.Text;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// Name rules and escaping shared by <see cref="MetricFamily"/> and <see cref="LabelSet"/>. Used when
/// those are built, never per scrape.
/// </summary>
internal static class ExpositionText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> (text 0.0.4 and the OpenMetrics ABNF <c>metricname</c>),
    /// excluding a leading underscore, which OpenMetrics reserves.
    /// </summary>
    public static bool IsValidMetricName(string name) =>
        name.Length > 0 && name[0] != '_' && !char.IsAsciiDigit(name[0]) && AreNameChars(name, allowColon: true);

    /// <summary>
    /// <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, excluding a leading underscore: OpenMetrics reserves label names
    /// that begin with one, and Prometheus uses <c>__</c> names (<c>__name__</c>) internally.
    /// </summary>
    public static bool IsValidLabelName(string name) =>
        name.Length > 0 && name[0] != '_' && !char.IsAsciiDigit(name[0]) && AreNameChars(name, allowColon: false);

    /// <summary>A unit is a non-empty run of <c>metricname-char</c>s (OpenMetrics ABNF, <c># UNIT</c> line).</summary>
    public static bool IsValidUnit(string unit) => unit.Length > 0 && AreNameChars(unit, allowColon: true);

    private static bool AreNameChars(string name, bool allowColon)
    {
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':')))
                return false;
        }
        return true;
    }

    /// <summary>
    /// Label values escape backslash, double quote and line feed, identically in text 0.0.4 and
    /// OpenMetrics; every other character, including CR and NUL, goes out as UTF-8.
    /// </summary>
    public static void AppendEscapedLabelValue(StringBuilder builder, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                default: builder.Append(c); break;
            }
        }
    }

    /// <summary>
    /// HELP text escapes backslash and line feed in text 0.0.4, and also double quote in OpenMetrics
    /// (whose HELP is an <c>escaped-string</c> like a label value). A 0.0.4 parser would read <c>\"</c>
    /// as two characters, so the quote is escaped only where the format defines it.
    /// </summary>
    public static void AppendEscapedHelp(StringBuilder builder, string help, ExpositionFormat format)
    {
        foreach (char c in help)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\n': builder.Append(@"\n"); break;
                case '"' when format == ExpositionFormat.OpenMetrics100: builder.Append("\\\""); break;
                default: builder.Append(c); break;
            }
        }
    }

    /// <summary>
    /// Throws when <paramref name="text"/> has a lone surrogate, which has no UTF-8 encoding; both
    /// formats must be valid UTF-8, and a silent U+FFFD would merge distinct label values.
    /// </summary>
    public static void RequireValidUnicode(string text, string what, string paramName)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
                continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            throw new ArgumentException($"{what} has a lone surrogate at index {i}; an exposition must be valid UTF-8.", paramName);
        }
    }

    /// <summary>The UTF-8 bytes of text already checked with <see cref="RequireValidUnicode"/>.</summary>
    public static byte[] ToUtf8(StringBuilder text) => StrictUtf8.GetBytes(text.ToString());
}
