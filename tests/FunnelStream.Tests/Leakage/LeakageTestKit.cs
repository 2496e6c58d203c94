using FunnelStream.Engine;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;
using FunnelStream.Generator;

namespace FunnelStream.Tests.Leakage;

/// <summary>
/// Runs synthetic traffic through the real parser, engine and leakage detector in event time (the
/// path of <c>replay</c>, without the JSONL file), and collects the alert records.
/// </summary>
internal sealed class LeakageTestKit : ILeakageAlertSink
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public List<LeakageAlert> Alerts { get; } = [];

    public LeakageDetector? Detector { get; private set; }

    public long Events { get; private set; }

    /// <summary>
    /// Traffic dense in the middle of the funnel (CTR, click to lead and lead to MQL 90 %, the
    /// generator's default MQL to SQL 20 %), so that the rates judged rest on thousands of MQLs a day
    /// with only a few events a second; delays compressed 100-fold (MQL to SQL median about 15 min).
    /// </summary>
    public static TrafficOptions Traffic(long seed, TimeSpan duration, double eventsPerSecond, params LeakOptions[] leaks) => new()
    {
        Campaigns = ["spring-sale", "webinar-q4", "brand"],
        Seed = seed,
        Start = Start,
        Duration = duration,
        EventsPerSecond = eventsPerSecond,
        ClickThroughRate = 0.9,
        ClickToLeadRate = 0.9,
        LeadToMqlRate = 0.9,
        StageDelayScale = 0.01,
        SpendReportInterval = TimeSpan.FromHours(6),
        Leaks = leaks,
    };

    /// <summary>Generates <paramref name="traffic"/> and runs it through an engine with 1 min windows, 5 min lateness and a detector.</summary>
    public LeakageTestKit Run(TrafficOptions traffic, LeakageOptions options)
    {
        var funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions { MaxAge = TimeSpan.FromDays(365 * 100) }, interners);
        long far = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        parser.SetClock(far, far);
        var engine = new FunnelEngine(funnel, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)] }, interners);
        Detector = LeakageDetector.Attach(engine, options, this);
        foreach (GeneratedRecord r in new TrafficGenerator(traffic).Generate())
        {
            if (r.Kind != RecordKind.Valid)
                continue;
            if (parser.Parse(r.Value, out FunnelEvent e) != RejectReason.None)
                throw new InvalidOperationException("the generator produced a record the parser rejects: " + System.Text.Encoding.UTF8.GetString(r.Value));
            engine.Process(e);
            Events++;
        }
        engine.CloseAllWindows();
        return this;
    }

    public void OnAlert(LeakageAlert alert) => Alerts.Add(alert);

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public IEnumerable<LeakageAlert> Of(LeakageAlertKind kind, string from, string to, string scope) =>
        Alerts.Where(a => a.Kind == kind && a.From == from && a.To == to && a.Scope == scope);
}
