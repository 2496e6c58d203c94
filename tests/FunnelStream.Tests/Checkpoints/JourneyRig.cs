using System.Buffers;
using System.Globalization;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// A <see cref="FunnelEngine"/> built the way the worker builds it (a <see cref="JourneyStore"/> fed by
/// the engine, feeding a <see cref="SalesCycleTracker"/>), whose sink reads the tracker when a window
/// closes, as replay does; plus everything a user sees of the two components, rendered as text.
/// </summary>
/// <remarks>
/// Only the journey store and the tracker are checkpointed (the engine's own state is another
/// component's). A restored rig gets a fresh engine; <see cref="Prime"/> brings its watermark to the
/// checkpointed one with an event without a journey (which the store ignores), as a restored engine
/// would have it, so dedup and lateness judge the rest of a duplicate-free, never-late stream the same.
/// </remarks>
internal sealed class JourneyRig : IWindowSink
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Lateness = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan[] Windows = [TimeSpan.FromHours(1), TimeSpan.FromHours(6)];
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private readonly DimensionInterner[] _interners;
    private int _primes;
    private JourneySnapshot? _described;
    private string _description = "";

    /// <param name="options">Journey options; <see cref="StoreOptions"/> by default.</param>
    /// <param name="trackerWindows">The tracker's window sizes: <see cref="Windows"/> as in replay, or none as in the worker.</param>
    /// <param name="trackerSizes">The tracker's window sizes, overriding <paramref name="trackerWindows"/> (a configuration mismatch).</param>
    /// <param name="preIntern">Values interned (into every dimension) before anything else, so that ids differ from another rig's.</param>
    public JourneyRig(JourneyOptions? options = null, bool trackerWindows = true, IEnumerable<string>? preIntern = null, IReadOnlyList<TimeSpan>? trackerSizes = null)
    {
        _interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        foreach (string value in preIntern ?? [])
        {
            foreach (DimensionInterner interner in _interners)
                interner.Intern(value);
        }
        Tracker = new SalesCycleTracker(trackerSizes ?? (trackerWindows ? Windows : []), Lateness);
        Store = new JourneyStore(Funnel, options ?? StoreOptions(), Tracker);
        Engine = new FunnelEngine(Funnel, new EngineOptions { WindowSizes = Windows, AllowedLateness = Lateness }, _interners, this, Store);
        if (trackerWindows)
            Tracker.UseSlotNames(Engine);
        TrackerWindows = trackerWindows;
    }

    public FunnelEngine Engine { get; }

    public JourneyStore Store { get; }

    public SalesCycleTracker Tracker { get; }

    public bool TrackerWindows { get; }

    /// <summary>What the sink read from the tracker at each window close since <see cref="TakeCloses"/>.</summary>
    private List<WindowRead> Closes { get; } = [];

    /// <summary>Small limits, so that a few hundred events over four days expire, evict, stall, and close windows.</summary>
    public static JourneyOptions StoreOptions(int maxJourneys = 48) => new()
    {
        ConversionWindow = TimeSpan.FromDays(1),
        MaxJourneys = maxJourneys,
        StageSla = new Dictionary<string, TimeSpan> { ["lead"] = TimeSpan.FromMinutes(30), ["mql"] = TimeSpan.FromHours(1), ["sql"] = TimeSpan.FromHours(3) },
        CohortSize = TimeSpan.FromHours(1),
        CohortRetention = TimeSpan.FromHours(12),
        TimeToConvertBucketsSeconds = [60, 600, 3_600, 21_600, 86_400],
        SalesCycleBucketsSeconds = [600, 3_600, 21_600, 86_400],
        AllowedLateness = Lateness,
        ScanInterval = TimeSpan.FromMinutes(15),
        Maturity = CohortMaturityRule.P95TimeToConvert,
        MaturityMinSamples = 5,
    };

    public void Feed(JourneyEvent e)
    {
        var evt = new FunnelEvent
        {
            TimestampMs = e.TimestampMs,
            IdHash = StableHash.Hash(Encoding.UTF8.GetBytes(e.Id)),
            JourneyHash = e.Journey is null ? 0 : StableHash.Hash(Encoding.UTF8.GetBytes(e.Journey)),
            Stage = (byte)Funnel.IndexOf(e.Stage),
        };
        evt.Dimensions[0] = _interners[0].Intern(e.Campaign);
        evt.Dimensions[1] = _interners[1].Intern(e.Channel);
        Assert.Equal(EventOutcome.Counted, Engine.Process(evt));
    }

    /// <summary>Advances a fresh engine's watermark to <paramref name="watermarkMs"/> (see the remarks).</summary>
    public void Prime(long watermarkMs)
    {
        if (watermarkMs != long.MinValue)
            Feed(new JourneyEvent($"prime-{_primes++}", "impression", watermarkMs, null, "priming", "priming"));
    }

    /// <summary>Checkpoints the two components as the host does (one state checkpoint, two sections).</summary>
    public byte[] Checkpoint(long nextOffset)
    {
        using var buffer = new CheckpointBuffer();
        StateCheckpoint.Write(buffer, [new InputOffset("funnel.events", 0, nextOffset)],
            [new("journeys", Store), new("sales-cycles", Tracker)]);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Restores both components from <paramref name="checkpoint"/>; returns the offset it reflects.</summary>
    public long Restore(byte[] checkpoint) =>
        StateCheckpoint.Restore(checkpoint, [new("sales-cycles", Tracker), new("journeys", Store)]).Single().Next;

    void IWindowSink.OnWindowClosed(ClosedWindow window)
    {
        if (!TrackerWindows)
            return;
        Closes.Add(new WindowRead(window.StartMs, window.EndMs, [], Tracker.Windows.MeanSalesCycleDays(window.StartMs, window.EndMs, [])));
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            string[] values = Enumerable.Range(0, Funnel.Dimensions.Count).Select(d => window.DimensionValue(slot, d)).ToArray();
            Closes.Add(new WindowRead(window.StartMs, window.EndMs, values, Tracker.Windows.MeanSalesCycleDays(window.StartMs, window.EndMs, values)));
        }
    }

    /// <summary>The window reads since the last call.</summary>
    public WindowRead[] TakeCloses()
    {
        WindowRead[] taken = [.. Closes];
        Closes.Clear();
        return taken;
    }

    /// <summary>What this rig's tracker holds for windows another rig's sink read at close.</summary>
    public string ReadLike(IEnumerable<WindowRead> reads) =>
        string.Join("\n", reads.Select(r => new WindowRead(r.StartMs, r.EndMs, r.Breakdown, Tracker.Windows.MeanSalesCycleDays(r.StartMs, r.EndMs, r.Breakdown)).ToString()));

    /// <summary>Everything a user sees of the store and the tracker now (the metrics read the snapshot; the rolling gauge reads the tracker at the watermark).</summary>
    public string View(long watermarkMs)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"tracked={Store.Count} evictions={Store.Evictions} bytes={Store.EstimatedBytes}\n");
        foreach (int minutes in new[] { 60, 360, 1_440 })
        {
            double? mean = watermarkMs == long.MinValue ? null : Tracker.Rolling.MeanSalesCycleDays(watermarkMs - minutes * 60_000L, watermarkMs, []);
            s.Append(CultureInfo.InvariantCulture, $"rolling {minutes} min: {mean:R}\n");
        }
        JourneySnapshot snapshot = Store.Snapshot;
        if (!ReferenceEquals(snapshot, _described))
            (_described, _description) = (snapshot, Describe(snapshot));
        s.Append(_description);
        return s.ToString();
    }

    public static string Describe(JourneySnapshot snapshot)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"snapshot at {snapshot.WatermarkMs}: tracked={snapshot.TrackedJourneys} evictions={snapshot.Evictions} expirations={snapshot.Expirations} bytes={snapshot.EstimatedBytes}\n");
        foreach (TransitionSnapshot t in snapshot.Transitions)
        {
            s.Append(CultureInfo.InvariantCulture, $"{t.FromStage}->{t.ToStage}: ttc {Describe(t.TimeToConvert)}\n");
            foreach (CohortSnapshot c in t.Cohorts)
                s.Append(CultureInfo.InvariantCulture, $"  {c}\n");
        }
        s.Append(CultureInfo.InvariantCulture, $"sales cycle {Describe(snapshot.SalesCycle)}\n");
        foreach (StalledStage stalled in snapshot.Stalled)
            s.Append(CultureInfo.InvariantCulture, $"{stalled}\n");
        return s.ToString();
    }

    private static string Describe(HistogramSnapshot h) =>
        string.Create(CultureInfo.InvariantCulture, $"le [{string.Join(",", h.UpperBoundsSeconds)}] cumulative [{string.Join(",", h.CumulativeCounts)}] sum {h.SumSeconds}");
}
