using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Tests.Leakage;

/// <summary>
/// Feeds an engine and detector exact numbers of MQL and SQL events per 5-minute interval, spread
/// over the interval, so that a test controls the conversion the detector sees.
/// </summary>
internal sealed class CountFeed : ILeakageAlertSink
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly FunnelDefinition _funnel = FunnelDefinition.Default;
    private readonly DimensionInterner[] _interners;
    private readonly FunnelEngine _engine;
    private readonly int _mql;
    private readonly int _sql;
    private long _nextId;

    public CountFeed(LeakageOptions options)
    {
        _interners = _funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        _engine = new FunnelEngine(_funnel, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)] }, _interners);
        Detector = LeakageDetector.Attach(_engine, options, this);
        _mql = _funnel.IndexOf("mql");
        _sql = _funnel.IndexOf("sql");
    }

    public LeakageDetector Detector { get; }

    public List<LeakageAlert> Alerts { get; } = [];

    /// <summary>Where the next interval starts.</summary>
    public DateTimeOffset Now { get; private set; } = T0;

    /// <summary>Emits <paramref name="intervals"/> intervals of <paramref name="mql"/> MQLs and <paramref name="sql"/> SQLs each, for <paramref name="campaign"/>.</summary>
    public CountFeed Add(int intervals, int mql, int sql, string campaign = "spring")
    {
        for (int i = 0; i < intervals; i++)
        {
            int n = mql + sql;
            for (int k = 0; k < n; k++)
            {
                DateTimeOffset ts = Now + Interval * k / n;
                Emit(k < mql ? _mql : _sql, ts, campaign);
            }
            Now += Interval;
        }
        return this;
    }

    /// <summary>Closes every window, so the last intervals are judged.</summary>
    public CountFeed Finish()
    {
        _engine.CloseAllWindows();
        return this;
    }

    public void OnAlert(LeakageAlert alert) => Alerts.Add(alert);

    public int Count(LeakageAlertKind kind, string scope = "total") => Alerts.Count(a => a.Kind == kind && a.Scope == scope);

    public LeakageGauge Gauge(string scope = "total") => Detector.Gauges.Single(g => g.Scope.Label == scope);

    private void Emit(int stage, DateTimeOffset ts, string campaign)
    {
        var e = new FunnelEvent
        {
            TimestampMs = ts.ToUnixTimeMilliseconds(),
            IdHash = StableHash.Hash(Encoding.UTF8.GetBytes($"e-{_nextId++}")),
            Stage = (byte)stage,
            CostMicros = -1,
            AmountMicros = -1,
        };
        e.Dimensions[0] = _interners[0].Intern(campaign);
        e.Dimensions[1] = _interners[1].Intern("linkedin");
        _engine.Process(e);
    }
}
