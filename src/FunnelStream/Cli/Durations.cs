using System.Globalization;

namespace FunnelStream.Cli;

/// <summary>Parses command-line durations: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>, or a TimeSpan such as <c>01:00:00</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string suffix, double unitMs)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach ((string suffix, double unitMs) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double n)
                && n >= 0 && double.IsFinite(n))
            {
                value = TimeSpan.FromMilliseconds(n * unitMs);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string option) =>
        TryParse(text, out TimeSpan v) ? v : throw new ArgumentException($"{option}: '{text}' is not a duration (examples: 250ms, 30s, 5m, 1h, 7d, 01:00:00)");
}
