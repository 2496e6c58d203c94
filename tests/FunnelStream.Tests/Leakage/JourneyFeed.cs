using System.Globalization;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Tests.Leakage;

/// <summary>
/// Builds hourly MQL entry cohorts of exact size and MQL -&gt; SQL conversion (each converted journey
/// reaches SQL 20 minutes after MQL) as JSON lines, and runs them through the real parser, an engine
/// with a journey store (1 h cohorts, 1 h conversion window) and a leakage detector, in event time.
/// </summary>
internal sealed class JourneyFeed : ILeakageAlertSink
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 4, 0, 0, 0, TimeSpan.Zero);

    /// <summary>1 h cohorts that mature 1 h (plus the 5 min lateness) after they end.</summary>
    public static readonly JourneyOptions Journeys = new()
    {
        ConversionWindow = TimeSpan.FromHours(1),
        CohortSize = TimeSpan.FromHours(1),
        StageSla = new Dictionary<string, TimeSpan>(),
    };

    private readonly List<(long Ts, string Line)> _events = [];
    private int _hour;
    private int _journeys;

    public List<LeakageAlert> Alerts { get; } = [];

    public LeakageDetector? Detector { get; private set; }

    /// <summary>Appends <paramref name="hours"/> hourly cohorts of <paramref name="entered"/> journeys each, of which a fraction <paramref name="rate"/> (spread evenly) converts.</summary>
    public JourneyFeed Hours(int hours, int entered, double rate)
    {
        for (int h = 0; h < hours; h++, _hour++)
        {
            DateTimeOffset start = T0.AddHours(_hour);
            for (int i = 0; i < entered; i++)
            {
                string journey = $"j-{_journeys++}";
                DateTimeOffset ts = start.AddSeconds(3600 / entered * i);
                Add(ts, "mql", journey);
                if (Math.Floor((i + 1) * rate) > Math.Floor(i * rate))
                    Add(ts.AddMinutes(20), "sql", journey);
            }
        }
        return this;
    }

    /// <summary>The events, in time order, as JSON lines.</summary>
    public byte[] Jsonl() => Encoding.UTF8.GetBytes(string.Concat(_events.OrderBy(e => e.Ts).Select(e => e.Line + "\n")));

    /// <summary>Runs the events through the engine (without closing the open windows at the end, like a live stream).</summary>
    public JourneyFeed Run(LeakageOptions options)
    {
        var funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions { MaxAge = TimeSpan.FromDays(365 * 100) }, interners);
        long far = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        parser.SetClock(far, far);
        var engine = new FunnelEngine(funnel, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)] }, interners, journeys: new JourneyStore(funnel, Journeys));
        Detector = LeakageDetector.Attach(engine, options, this);
        foreach ((long _, string line) in _events.OrderBy(e => e.Ts))
        {
            if (parser.Parse(Encoding.UTF8.GetBytes(line), out FunnelEvent e) != RejectReason.None)
                throw new InvalidOperationException("rejected: " + line);
            if (engine.Process(e) != EventOutcome.Counted)
                throw new InvalidOperationException("not counted: " + line);
        }
        return this;
    }

    public void OnAlert(LeakageAlert alert) => Alerts.Add(alert);

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private void Add(DateTimeOffset ts, string stage, string journey) =>
        _events.Add((ts.ToUnixTimeMilliseconds(),
            $"{{\"id\":\"{stage}-{journey}\",\"type\":\"{stage}\",\"ts\":\"{ts.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\",\"journey\":\"{journey}\",\"campaign\":\"spring\",\"channel\":\"linkedin\"}}"));
}
