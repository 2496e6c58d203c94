using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Journeys;

/// <summary>
/// <see cref="SalesCycleTracker"/> fed by a <see cref="JourneyStore"/> inside a <see cref="FunnelEngine"/>:
/// cycles attributed to the first won event's window and breakdown, independent of arrival order,
/// read when the window closes, dropped afterwards, and the rolling totals for the live gauge.
/// </summary>
public sealed class SalesCycleTrackerTests : IWindowSink
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly FunnelDefinition _funnel = FunnelDefinition.Default;
    private readonly DimensionInterner[] _interners;
    private readonly SalesCycleTracker _tracker;
    private readonly FunnelEngine _engine;
    private int _nextId;

    public SalesCycleTrackerTests()
    {
        _interners = _funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        _tracker = new SalesCycleTracker([Hour], TimeSpan.FromMinutes(5));
        var store = new JourneyStore(_funnel, new JourneyOptions { AllowedLateness = TimeSpan.FromMinutes(5) }, _tracker);
        _engine = new FunnelEngine(_funnel, new EngineOptions { WindowSizes = [Hour], AllowedLateness = TimeSpan.FromMinutes(5) }, _interners, this, store);
        _tracker.UseSlotNames(_engine);
    }

    /// <summary>What the sink read when each window closed: (window start, "campaign/channel" or "" for the total) → mean days.</summary>
    private Dictionary<(DateTimeOffset Start, string Breakdown), double?> ReadAtClose { get; } = [];

    void IWindowSink.OnWindowClosed(ClosedWindow window)
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(window.StartMs);
        ReadAtClose[(start, "")] = _tracker.Windows.MeanSalesCycleDays(window.StartMs, window.EndMs, []);
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            string[] values = Enumerable.Range(0, _funnel.Dimensions.Count).Select(d => window.DimensionValue(slot, d)).ToArray();
            ReadAtClose[(start, string.Join('/', values))] = _tracker.Windows.MeanSalesCycleDays(window.StartMs, window.EndMs, values);
        }
    }

    private void Process(string stage, DateTimeOffset ts, string journey, string campaign = "spring", string channel = "linkedin")
    {
        var e = new FunnelEvent
        {
            TimestampMs = ts.ToUnixTimeMilliseconds(),
            IdHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes($"e-{_nextId++}")),
            JourneyHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(journey)),
            Stage = (byte)_funnel.IndexOf(stage),
        };
        string[] values = [campaign, channel];
        for (int d = 0; d < _funnel.Dimensions.Count; d++)
            e.Dimensions[d] = _interners[d].Intern(values[d]);
        Assert.Equal(EventOutcome.Counted, _engine.Process(e));
    }

    [Fact]
    public void MeanSalesCycleDays_WonInWindow_MeanOfCyclesUnderWonEventsBreakdownAndTotal()
    {
        // j1: 2 days from lead to won; j2: 4 days; both won in the 10:00 window, in different campaigns.
        Process("lead", T0, "j1", campaign: "spring");
        Process("lead", T0.AddHours(8), "j2", campaign: "spring");
        Process("won", T0.AddDays(2), "j1", campaign: "autumn");
        Process("won", T0.AddDays(4).AddHours(8), "j2", campaign: "spring");
        Process("click", T0.AddDays(5), "x");

        DateTimeOffset w1 = T0.AddDays(2), w2 = T0.AddDays(4).AddHours(8);
        Assert.Equal(2.0, ReadAtClose[(w1, "autumn/linkedin")]);
        Assert.Equal(2.0, ReadAtClose[(w1, "")]);
        Assert.Equal(4.0, ReadAtClose[(w2, "spring/linkedin")]);
        Assert.Null(ReadAtClose[(T0, "")]); // a window without a won journey has no mean
    }

    [Fact]
    public void MeanSalesCycleDays_TwoWinsOneWindow_SumOverCount()
    {
        Process("lead", T0, "j1");
        Process("lead", T0.AddHours(12), "j2");
        Process("won", T0.AddDays(3).AddMinutes(10), "j1");
        Process("won", T0.AddDays(3).AddMinutes(20), "j2");
        Process("click", T0.AddDays(4), "x");

        double expected = (double)((3 * 86_400 + 600) + (2 * 86_400 + 43_200 + 1_200)) / 2 / 86_400;
        Assert.Equal(expected, ReadAtClose[(T0.AddDays(3), "spring/linkedin")]);
    }

    [Fact]
    public void Observe_EarlierLeadAndWonArriveLater_CycleMovesToTheFirstWonsWindowAndSlot()
    {
        // Within the allowed lateness, out of order: won (autumn) at 00:04, lead at 00:03, then an
        // earlier won (spring) at 00:02 and an earlier lead at 00:00:30.
        Process("won", T0.AddMinutes(4), "j1", campaign: "autumn");
        Process("lead", T0.AddMinutes(3), "j1");
        Process("won", T0.AddMinutes(2), "j1", campaign: "spring");
        Process("lead", T0.AddSeconds(30), "j1");
        Process("click", T0.AddHours(2), "x");

        Assert.Equal(90.0 / 86_400, ReadAtClose[(T0, "spring/linkedin")]);
        Assert.Null(ReadAtClose[(T0, "autumn/linkedin")]);
        Assert.Equal(90.0 / 86_400, ReadAtClose[(T0, "")]);
    }

    [Fact]
    public void Observe_WonBeforeLead_NoCycle()
    {
        Process("won", T0.AddMinutes(1), "j1");
        Process("lead", T0.AddMinutes(2), "j1");
        Process("click", T0.AddHours(2), "x");

        Assert.Null(ReadAtClose[(T0, "")]);
    }

    [Fact]
    public void OnWatermark_WindowsClosed_AccumulatorsDropped()
    {
        for (int d = 0; d < 20; d++)
        {
            Process("lead", T0.AddDays(d), $"j{d}");
            Process("won", T0.AddDays(d).AddHours(1), $"j{d}");
        }
        Process("click", T0.AddDays(30), "x");
        // Accumulators go at the watermark advance after the one that closed their window.
        Process("click", T0.AddDays(30).AddHours(1), "x");

        // Every window was read with its value when it closed, and then forgotten.
        Assert.Equal(20, ReadAtClose.Count(r => r.Key.Breakdown == "" && r.Value == 1.0 / 24));
        Assert.Equal(0, _tracker.WindowAccumulators);
    }

    [Fact]
    public void Rolling_WonWithinWindow_TotalsOverWholeMinutes()
    {
        Process("lead", T0, "j1");
        Process("lead", T0.AddDays(1), "j2");
        Process("won", T0.AddDays(1).AddMinutes(30), "j1");
        Process("won", T0.AddDays(1).AddMinutes(50).AddSeconds(10), "j2");

        long end = T0.AddDays(1).AddMinutes(51).ToUnixTimeMilliseconds();
        double twoCycles = (double)(86_400 + 1_800 + 3_010) / 2 / 86_400;
        Assert.Equal(twoCycles, _tracker.Rolling.MeanSalesCycleDays(end - 3_600_000, end, []));
        Assert.Equal(3_010.0 / 86_400, _tracker.Rolling.MeanSalesCycleDays(end - 5 * 60_000, end, []));
        Assert.Null(_tracker.Rolling.MeanSalesCycleDays(end - 60_000 * 15, end - 60_000 * 10, []));
        Assert.Throws<ArgumentException>(() => _tracker.Rolling.MeanSalesCycleDays(end - 3_600_000, end, ["spring", "linkedin"]));
    }

    [Fact]
    public void Observe_SteadyState_AllocatesNothing()
    {
        var tracker = new SalesCycleTracker([Hour, TimeSpan.FromDays(1)], TimeSpan.FromMinutes(5));
        var store = new JourneyStore(_funnel, new JourneyOptions(), tracker);
        int lead = _funnel.IndexOf("lead"), won = _funnel.IndexOf("won");
        long t0 = T0.ToUnixTimeMilliseconds();
        void Run(ulong from, ulong to)
        {
            for (ulong j = from; j < to; j++)
            {
                long ts = t0 + (long)j * 1_000;
                store.Observe(j, lead, ts, 0);
                store.Observe(j, won, ts + 90_000, (int)(j % 3));
            }
        }
        Run(1, 5_000); // grow the table and the accumulators
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(5_000, 5_100); // same windows, slots: no new accumulators
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
