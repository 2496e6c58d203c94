using FunnelStream.Generator;
using static FunnelStream.Tests.Generator.GeneratorTestKit;

namespace FunnelStream.Tests.Generator;

/// <summary>
/// Conversion rates measured on generated events: clicks per impression by count, and for later
/// stages the share of journeys that reached <c>from</c> (early enough that <c>to</c> could still
/// happen before the end) which also reached <c>to</c>.
/// </summary>
internal sealed class Rates
{
    private const long Day = 86_400_000;

    /// <summary>The median delay (ms, at scale 1) and log-normal sigma before each stage, as in the <see cref="TrafficOptions"/> remarks.</summary>
    private static readonly Dictionary<string, (long Median, double Sigma)> DelayTo = new()
    {
        ["lead"] = (90_000, 1.0), ["mql"] = (2 * 3_600_000, 1.0), ["sql"] = (Day, 0.8), ["opportunity"] = (3 * Day, 0.8),
        ["won"] = (14 * Day, 0.6), ["lost"] = (14 * Day, 0.6), ["expansion"] = (120 * Day, 0.5), ["renewal"] = (365 * Day, 0.05), ["churn"] = (365 * Day, 0.05),
    };

    private readonly Dictionary<string, Dictionary<string, long>> _byJourney;
    private readonly long _impressions;
    private readonly long _clicks;
    private readonly long _endMs;
    private readonly double _scale;
    private readonly Dictionary<string, int> _denominators = [];

    private Rates(IReadOnlyList<Event> events, TrafficOptions options)
    {
        _impressions = events.Count(e => e.Type == "impression");
        _clicks = events.Count(e => e.Type == "click");
        _byJourney = events.Where(e => e.Journey is not null)
            .GroupBy(e => e.Journey!)
            .ToDictionary(g => g.Key, g => g.ToDictionary(e => e.Type, e => e.TsMs));
        _endMs = (options.Start + options.Duration).ToUnixTimeMilliseconds();
        _scale = options.StageDelayScale;
    }

    public static Rates Measure(IReadOnlyList<Event> events, TrafficOptions options) => new(events, options);

    public double Of(string from, string to)
    {
        if (from == "impression")
        {
            _denominators[from] = (int)_impressions;
            return _clicks / (double)_impressions;
        }
        // Journeys that reached `from` later than 4.5 sigmas of the delay before the end could not have
        // reached `to` yet (the generator also caps delays at 20 medians).
        (long median, double sigma) = DelayTo[to];
        long cutoff = _endMs - (long)(Math.Min(Math.Exp(4.5 * sigma), 20) * median * _scale) - 1000;
        var reached = _byJourney.Values.Where(stages => stages.TryGetValue(from, out long ts) && ts < cutoff).ToList();
        _denominators[from] = reached.Count;
        Assert.True(reached.Count >= 300, $"only {reached.Count} journeys reached {from} in time to measure {from} > {to}");
        return reached.Count(stages => stages.ContainsKey(to)) / (double)reached.Count;
    }

    public int Denominator(string from) => _denominators.GetValueOrDefault(from);
}
