using System.Globalization;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>Chooses the exposition format from a request's Accept header and names its Content-Type.</summary>
/// <remarks>Stateless and thread-safe; <see cref="Negotiate"/> allocates nothing.</remarks>
public static class ExpositionContentType
{
    /// <summary>The Content-Type of <see cref="ExpositionFormat.PrometheusText004"/>.</summary>
    public const string PrometheusText004 = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The Content-Type of <see cref="ExpositionFormat.OpenMetrics100"/>.</summary>
    public const string OpenMetrics100 = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>The exact Content-Type string to send with an exposition in <paramref name="format"/>.</summary>
    public static string For(ExpositionFormat format) => format switch
    {
        ExpositionFormat.PrometheusText004 => PrometheusText004,
        ExpositionFormat.OpenMetrics100 => OpenMetrics100,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown exposition format."),
    };

    /// <summary>
    /// The format to answer a request with: OpenMetrics 1.0.0 only when the Accept header asks for
    /// <c>application/openmetrics-text</c> (without a version, or <c>version=1.0.0</c>) and prefers it
    /// to text 0.0.4; text 0.0.4 otherwise, including for a missing, empty or unparsable header.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every media range is weighed by its <c>q</c> (default 1; a range with <c>q=0</c> or an invalid
    /// <c>q</c> is not acceptable). Ranges that stand for text 0.0.4 are <c>text/plain</c> (without a
    /// version, or <c>version=0.0.4</c>), <c>text/*</c> and <c>*/*</c>; ranges for other types or
    /// versions are ignored. The acceptable range with the highest <c>q</c> wins; at equal <c>q</c> the
    /// more specific range wins (an exact type over <c>type/*</c> over <c>*/*</c>), then the earlier one.
    /// Matching of types and parameter names is case-insensitive, as HTTP requires.
    /// </para>
    /// <para>
    /// Prometheus 2.x sends <c>application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1</c>
    /// and gets OpenMetrics; a browser's <c>text/html,...,*/*;q=0.8</c> gets text 0.0.4.
    /// </para>
    /// </remarks>
    /// <param name="accept">The Accept header's value (several headers joined with commas), or empty.</param>
    public static ExpositionFormat Negotiate(ReadOnlySpan<char> accept)
    {
        ExpositionFormat best = ExpositionFormat.PrometheusText004;
        double bestQ = 0;
        int bestSpecificity = -1;
        while (!accept.IsEmpty)
        {
            int comma = accept.IndexOf(',');
            ReadOnlySpan<char> range = comma < 0 ? accept : accept[..comma];
            accept = comma < 0 ? default : accept[(comma + 1)..];

            if (!TryReadRange(range, out ExpositionFormat format, out int specificity, out double q) || q <= 0)
                continue;
            if (q > bestQ || (q == bestQ && specificity > bestSpecificity))
            {
                best = format;
                bestQ = q;
                bestSpecificity = specificity;
            }
        }
        return best;
    }

    // One media range, e.g. "application/openmetrics-text; version=1.0.0; q=0.75": which format it
    // stands for (false when neither), how specific it is (2 exact, 1 type/*, 0 */*) and its q.
    private static bool TryReadRange(ReadOnlySpan<char> range, out ExpositionFormat format, out int specificity, out double q)
    {
        format = ExpositionFormat.PrometheusText004;
        specificity = 0;
        q = 1;

        int semicolon = range.IndexOf(';');
        ReadOnlySpan<char> mediaType = (semicolon < 0 ? range : range[..semicolon]).Trim();
        ReadOnlySpan<char> parameters = semicolon < 0 ? default : range[(semicolon + 1)..];
        ReadOnlySpan<char> version = default;
        while (!parameters.IsEmpty)
        {
            int next = parameters.IndexOf(';');
            ReadOnlySpan<char> parameter = next < 0 ? parameters : parameters[..next];
            parameters = next < 0 ? default : parameters[(next + 1)..];

            int equals = parameter.IndexOf('=');
            if (equals < 0)
                continue;
            ReadOnlySpan<char> name = parameter[..equals].Trim();
            ReadOnlySpan<char> value = parameter[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1];
            if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out q) || q > 1)
                    q = 0;
            }
            else if (name.Equals("version", StringComparison.OrdinalIgnoreCase))
            {
                version = value;
            }
        }

        if (mediaType.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase))
        {
            format = ExpositionFormat.OpenMetrics100;
            specificity = 2;
            return version.IsEmpty || version.SequenceEqual("1.0.0");
        }
        if (mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            specificity = 2;
            return version.IsEmpty || version.SequenceEqual("0.0.4");
        }
        if (mediaType.Equals("text/*", StringComparison.OrdinalIgnoreCase))
        {
            specificity = 1;
            return true;
        }
        return mediaType.SequenceEqual("*/*");
    }
}
