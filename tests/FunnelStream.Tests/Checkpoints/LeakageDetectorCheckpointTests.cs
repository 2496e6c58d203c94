using System.Buffers;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// Checkpoints of the <see cref="LeakageDetector"/> (issue 6). The detector is fed only by its
/// engine's closed windows, and the engine's own checkpoint is not part of this test, so a restored
/// run is built the way a restored worker sees it once the engine is back: the interrupted engine
/// closes every window at the cut (a minute boundary; no window carries counts across it), and the
/// restored detector's fresh engine is fed only the events from the cut on, so it hands the detector
/// exactly the closed windows the uninterrupted engine hands it after the cut. Cuts fall right after
/// an evaluation and inside an evaluation interval (a partly filled bucket), before and during an
/// open alert, and before breakdown values that get scopes only later.
/// </summary>
public class LeakageDetectorCheckpointTests
{
    private const long Minute = 60_000;
    private const long Interval = 5 * Minute;
    private static readonly long T0 = new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;

    private readonly record struct Ev(long Ms, int Stage, string Campaign, string Channel);

    // MQL -> SQL against an EWMA baseline and the 0.13 benchmark, lead -> MQL against a benchmark only,
    // over a 30 min window; three campaign scopes at most (the fourth counts in the total only).
    private static LeakageOptions Options(TimeSpan? rollingWindow = null, BaselineKind leadBaseline = BaselineKind.None) => new()
    {
        MinFromEvents = 60,
        RollingWindow = rollingWindow ?? TimeSpan.FromMinutes(30),
        EvaluationInterval = TimeSpan.FromMinutes(5),
        BaselineHalfLife = TimeSpan.FromHours(1),
        BaselineWarmUp = TimeSpan.FromHours(1),
        ClearHold = TimeSpan.FromMinutes(20),
        UpdateInterval = TimeSpan.FromMinutes(15),
        MaxValuesPerDimension = 3,
        Transitions =
        [
            new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.13 },
            new LeakageTransitionOptions { From = "lead", To = "mql", Benchmark = 0.5, Baseline = leadBaseline },
        ],
    };

    /// <summary>
    /// 10 h in 5 min intervals: alpha and beta from the start, gamma from 3 h 20 (a scope created
    /// late), delta from 5 h (over the budget); beta's MQL -> SQL collapses from 4 h to 6 h (a leak
    /// of beta and of the total, attributed to beta), then recovers (both resolve).
    /// </summary>
    private static List<Ev> Scenario()
    {
        int lead = Funnel.IndexOf("lead"), mql = Funnel.IndexOf("mql"), sql = Funnel.IndexOf("sql");
        var events = new List<Ev>();
        for (int i = 0; i < 120; i++)
        {
            long start = T0 + i * Interval;
            var mix = new List<(string Campaign, int Leads, int Mqls, int Sqls)> { ("alpha", 30, 24, 6) };
            mix.Add(("beta", 50, 48, i is >= 48 and < 72 ? (i % 4 == 0 ? 1 : 0) : 12));
            if (i >= 40)
                mix.Add(("gamma", 20, 16, 4));
            if (i >= 60)
                mix.Add(("delta", 10, 8, 2));
            foreach ((string campaign, int leads, int mqls, int sqls) in mix)
            {
                // Each stage's events spread evenly over the interval, alternating channels.
                foreach ((int stage, int count) in new[] { (lead, leads), (mql, mqls), (sql, sqls) })
                {
                    for (int k = 0; k < count; k++)
                        events.Add(new Ev(start + Interval * (2 * k + 1) / (2 * count), stage, campaign, k % 2 == 0 ? "linkedin" : "google"));
                }
            }
        }
        return [.. events.OrderBy(e => e.Ms)];
    }

    /// <summary>An engine with 1 min windows and a detector, its events numbered by their place in the scenario.</summary>
    private sealed class Run : ILeakageAlertSink
    {
        private readonly DimensionInterner[] _interners;

        public Run(LeakageOptions options, IEnumerable<string>? firstCampaigns = null, IEnumerable<string>? firstChannels = null)
        {
            _interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
            foreach (string c in firstCampaigns ?? [])
                _interners[0].Intern(c);
            foreach (string c in firstChannels ?? [])
                _interners[1].Intern(c);
            Engine = new FunnelEngine(Funnel, new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(1)], DedupMaxEntries = 100_000 }, _interners);
            Detector = LeakageDetector.Attach(Engine, options, this);
        }

        public FunnelEngine Engine { get; }

        public LeakageDetector Detector { get; }

        public List<string> Alerts { get; } = [];

        public void OnAlert(LeakageAlert alert) => Alerts.Add(alert.ToString());

        public Run Feed(List<Ev> events, int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Ev ev = events[i];
                var e = new FunnelEvent
                {
                    TimestampMs = ev.Ms,
                    IdHash = StableHash.Hash(Encoding.UTF8.GetBytes($"e-{i}")),
                    Stage = (byte)ev.Stage,
                    CostMicros = -1,
                    AmountMicros = -1,
                };
                e.Dimensions[0] = _interners[0].Intern(ev.Campaign);
                e.Dimensions[1] = _interners[1].Intern(ev.Channel);
                if (Engine.Process(e) != EventOutcome.Counted)
                    throw new InvalidOperationException($"event {i} was not counted");
            }
            return this;
        }

        public byte[] Checkpoint()
        {
            using var buffer = new CheckpointBuffer();
            StateCheckpoint.Write(buffer, [new InputOffset("funnel.events", 0, 42)], [new("leakage", Detector)]);
            return buffer.WrittenSpan.ToArray();
        }

        public void Restore(byte[] checkpoint) => StateCheckpoint.Restore(checkpoint, [new("leakage", Detector)]);

        /// <summary>Everything a user sees: gauges (by scope label, not interner id), counters, scopes.</summary>
        public string Visible() => string.Join("\n",
            Detector.Gauges.Select(g => $"gauge {g.Transition} {g.Scope.Index} {g.Scope.Label} {g.Active} {g.FromEvents} {Bits(g.Rate)} {Bits(g.Lower)} {Bits(g.Upper)} {Bits(g.Baseline)} {Bits(g.Threshold)} {g.SampleSufficient}")
                .Append($"opened {Detector.AlertsOpened} resolved {Detector.AlertsResolved} judgements {Detector.Judgements}")
                .Append("scopes " + string.Join(",", Detector.Scopes.Select(s => $"{s.Index}:{s.Label}"))));

        private static long Bits(double d) => BitConverter.DoubleToInt64Bits(d);
    }

    private static int FirstAt(List<Ev> events, long ms)
    {
        int i = events.FindIndex(e => e.Ms >= ms);
        return i < 0 ? events.Count : i;
    }

    [Fact]
    public void LeakageDetector_RestoredMidStream_ContinuesExactlyAsUninterrupted()
    {
        List<Ev> events = Scenario();
        Run uninterrupted = new Run(Options()).Feed(events, 0, events.Count);
        uninterrupted.Engine.CloseAllWindows();

        // The scenario must exercise what is checkpointed: alerts opened, updated and resolved, with attribution.
        Assert.Contains(uninterrupted.Alerts, a => a.Contains("\"opened\"", StringComparison.Ordinal) && a.Contains("campaign=beta", StringComparison.Ordinal));
        Assert.Contains(uninterrupted.Alerts, a => a.Contains("\"updated\"", StringComparison.Ordinal));
        Assert.Equal(uninterrupted.Detector.AlertsOpened, uninterrupted.Detector.AlertsResolved);
        Assert.True(uninterrupted.Detector.AlertsOpened >= 2, uninterrupted.Visible());
        Assert.Contains(uninterrupted.Alerts, a => a.Contains("\"value\":\"beta\",\"from_events\"", StringComparison.Ordinal));
        Assert.Equal("0:total,1:campaign=beta,2:channel=linkedin,3:campaign=alpha,4:channel=google,5:campaign=gamma",
            string.Join(",", uninterrupted.Detector.Scopes.Select(s => $"{s.Index}:{s.Label}")));

        bool cutWithOpenAlert = false;
        // Minutes: before any window, inside the first interval, right after evaluations, inside intervals,
        // before gamma's first window (200), during the leak (240..360) with alerts open, near the end.
        foreach (int minute in new[] { 0, 3, 60, 143, 199, 245, 250, 262, 300, 337, 390, 480, 597 })
        {
            int cut = FirstAt(events, T0 + minute * Minute);
            Run interrupted = new Run(Options()).Feed(events, 0, cut);
            interrupted.Engine.CloseAllWindows();
            byte[] checkpoint = interrupted.Checkpoint();
            cutWithOpenAlert |= interrupted.Detector.AlertsOpened > interrupted.Detector.AlertsResolved;

            // Fresh interners that know other values first, in another order: every id differs.
            var restored = new Run(Options(), ["zeta", "delta", "gamma", "beta", "alpha"], ["tiktok", "google", "linkedin"]);
            restored.Restore(checkpoint);
            Assert.Equal(interrupted.Visible(), restored.Visible());
            restored.Feed(events, cut, events.Count);
            restored.Engine.CloseAllWindows();

            Assert.Equal(uninterrupted.Alerts, interrupted.Alerts.Concat(restored.Alerts));
            Assert.Equal(uninterrupted.Visible(), restored.Visible());
        }
        Assert.True(cutWithOpenAlert, "one cut falls while an alert is open");
    }

    [Fact]
    public void LeakageDetector_RestoredWithSameHourLastWeekBaseline_ContinuesExactlyAsUninterrupted()
    {
        // Eight days of lead -> MQL at 50 % with a same-hour-last-week baseline, dropping to 20 % on
        // the eighth day: the week of history in the ring is what the restored detector judges against.
        int lead = Funnel.IndexOf("lead"), mql = Funnel.IndexOf("mql");
        var events = new List<Ev>();
        int intervals = 8 * 288;
        for (int i = 0; i < intervals; i++)
        {
            int mqls = i >= 7 * 288 + 24 ? 4 : 10;
            for (int k = 0; k < 20 + mqls; k++)
                events.Add(new Ev(T0 + i * Interval + Interval * k / (20 + mqls), k < 20 ? lead : mql, "alpha", "linkedin"));
        }
        events = [.. events.OrderBy(e => e.Ms)];
        LeakageOptions options = Options(leadBaseline: BaselineKind.SameHourLastWeek) is var o
            ? new LeakageOptions
            {
                MinFromEvents = o.MinFromEvents, RollingWindow = o.RollingWindow, EvaluationInterval = o.EvaluationInterval,
                ClearHold = o.ClearHold, UpdateInterval = o.UpdateInterval, MaxValuesPerDimension = o.MaxValuesPerDimension,
                Transitions = [new LeakageTransitionOptions { From = "lead", To = "mql", Baseline = BaselineKind.SameHourLastWeek }],
            }
            : throw new InvalidOperationException();

        Run uninterrupted = new Run(options).Feed(events, 0, events.Count);
        uninterrupted.Engine.CloseAllWindows();
        Assert.Contains(uninterrupted.Alerts, a => a.Contains("\"opened\"", StringComparison.Ordinal) && a.Contains("\"baseline_kind\":\"same_hour_last_week\"", StringComparison.Ordinal));

        foreach (long minute in new long[] { 7 * 1440 - 2, 7 * 1440 + 150, 7 * 1440 + 242 })
        {
            int cut = FirstAt(events, T0 + minute * Minute);
            Run interrupted = new Run(options).Feed(events, 0, cut);
            interrupted.Engine.CloseAllWindows();
            var restored = new Run(options, ["beta", "alpha"], ["google", "linkedin"]);
            restored.Restore(interrupted.Checkpoint());
            restored.Feed(events, cut, events.Count);
            restored.Engine.CloseAllWindows();

            Assert.Equal(uninterrupted.Alerts, interrupted.Alerts.Concat(restored.Alerts));
            Assert.Equal(uninterrupted.Visible(), restored.Visible());
        }
    }

    private static byte[] MidLeakSection(out Run source)
    {
        List<Ev> events = Scenario();
        source = new Run(Options()).Feed(events, 0, FirstAt(events, T0 + 292 * Minute));
        var buffer = new ArrayBufferWriter<byte>();
        source.Detector.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void ReadCheckpoint_TruncatedOrCorrupt_ThrowsInvalidDataException()
    {
        byte[] section = MidLeakSection(out Run source);
        Assert.True(source.Detector.AlertsOpened > source.Detector.AlertsResolved, "the section holds an open alert");
        for (int length = 0; length < section.Length; length += length < 400 ? 1 : 97)
        {
            var fresh = new Run(Options());
            Assert.Throws<InvalidDataException>(() => fresh.Detector.ReadCheckpoint(section.AsSpan(0, length), 1));
        }
        Assert.Throws<InvalidDataException>(() => new Run(Options()).Detector.ReadCheckpoint([.. section, 0], 1));
        // Every 4-byte field set to -1 in turn, across the header, counters, scopes and states: rejected, or
        // (where -1 is a value like any other, e.g. a counter's low bytes) accepted; never another exception.
        for (int at = 0; at + 4 <= Math.Min(section.Length, 2000); at += 4)
        {
            byte[] bad = (byte[])section.Clone();
            bad.AsSpan(at, 4).Fill(0xFF);
            var fresh = new Run(Options());
            try
            {
                fresh.Detector.ReadCheckpoint(bad, 1);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void ReadCheckpoint_CorruptRejected_LeavesTheDetectorFresh()
    {
        byte[] section = MidLeakSection(out Run source);
        var fresh = new Run(Options());
        Assert.Throws<InvalidDataException>(() => fresh.Detector.ReadCheckpoint(section.AsSpan(0, section.Length - 3), 1));
        fresh.Detector.ReadCheckpoint(section, 1);
        Assert.Equal(source.Visible(), fresh.Visible());
    }

    [Fact]
    public void ReadCheckpoint_UnknownVersion_ThrowsInvalidDataException()
    {
        byte[] section = MidLeakSection(out _);
        var e = Assert.Throws<InvalidDataException>(() => new Run(Options()).Detector.ReadCheckpoint(section, 2));
        Assert.Contains("format 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_OtherLeakageConfiguration_ThrowsNamingWhatDiffers()
    {
        MidLeakSection(out Run source);
        byte[] checkpoint = source.Checkpoint();

        var e = Assert.Throws<InvalidDataException>(() => new Run(Options(rollingWindow: TimeSpan.FromHours(1))).Restore(checkpoint));
        Assert.Contains("section 'leakage'", e.Message, StringComparison.Ordinal);
        Assert.Contains("rolling_window_ms: checkpoint '1800000', configuration now '3600000'", e.Message, StringComparison.Ordinal);
        Assert.Contains("start from fresh state", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<InvalidDataException>(() => new Run(Options(leadBaseline: BaselineKind.Ewma)).Restore(checkpoint));
        Assert.Contains("transitions: checkpoint 'mql->sql:count:Ewma,lead->mql:count:None', configuration now 'mql->sql:count:Ewma,lead->mql:count:Ewma'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCheckpoint_DetectorAlreadyFed_ThrowsInvalidOperationException()
    {
        byte[] section = MidLeakSection(out _);
        List<Ev> events = Scenario();
        Run used = new Run(Options()).Feed(events, 0, FirstAt(events, T0 + 20 * Minute));
        Assert.Throws<InvalidOperationException>(() => used.Detector.ReadCheckpoint(section, 1));

        var restored = new Run(Options());
        restored.Detector.ReadCheckpoint(section, 1);
        Assert.Throws<InvalidOperationException>(() => restored.Detector.ReadCheckpoint(section, 1));
    }
}
