using System.Runtime.CompilerServices;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Leakage;
using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;
using FunnelStream.Events;

namespace FunnelStream.Engine;

/// <summary>
/// The funnel engine: dedup, event-time watermark and lateness, tumbling windows per breakdown,
/// cumulative counters and rolling stage counts. It knows nothing of Kafka or HTTP: a caller feeds
/// it parsed events and, in a live setting, processing time.
/// </summary>
/// <remarks>
/// Thread safety: one thread calls <see cref="Process"/>, <see cref="SetProcessingTime"/>,
/// <see cref="RemoveSource"/> and <see cref="CloseAllWindows"/> (the engine thread). The read
/// members documented as such (<see cref="Counters"/>, <see cref="LateCount"/>,
/// <see cref="SumRolling"/>, ...) may be called from any thread at any time.
/// Order of judgement per event: a repeated id is a <see cref="EventOutcome.Duplicate"/> (even if it
/// would also be late); otherwise an event older than watermark − allowed lateness is
/// <see cref="EventOutcome.Late"/>; otherwise it is counted. Windows close, oldest first, once the
/// watermark minus the allowed lateness reaches their end, so a counted event never lands in a closed window.
/// </remarks>
public sealed partial class FunnelEngine
{
    private readonly EngineOptions _options;
    private readonly IReadOnlyList<DimensionInterner> _interners;
    private readonly IWindowSink? _sink;
    private readonly long _latenessMs;
    private readonly long _idleMs;
    private readonly DedupSet _dedup;
    private readonly BreakdownSlots _slots;
    private readonly TumblingWindows[] _windows;
    private readonly CumulativeCounters _cumulative;
    private readonly RollingStageCounts _rolling;
    private readonly WatermarkTracker _watermark;
    private readonly long[] _late;
    private readonly ClosedWindow _closedView;
    private readonly Action<WindowAccumulator> _emit;
    private readonly JourneyStore? _journeys;
    private readonly SpendFigures? _spendFigures;
    private readonly int _spendStage = -1;
    private readonly int _campaignDim;
    private readonly int _channelDim;
    private long _restated;
    private LeakageDetector? _leakage;
    private long _nextCloseAt = long.MaxValue;
    private long _lateBeforeMs = long.MinValue;
    private long _duplicates;
    private long _counted;
    private long _closedWindows;
    private long _newestMs = long.MinValue;
    private long _watermarkSnapshot = long.MinValue;
    private long _processingMs = long.MinValue;
    private long _lastCountedAtMs = long.MinValue;

    /// <summary>Creates an engine.</summary>
    /// <param name="funnel">The funnel; its dimensions match <paramref name="interners"/>.</param>
    /// <param name="options">Validated by this constructor.</param>
    /// <param name="interners">One per funnel dimension, the ones the parser interns with; used to name slots.</param>
    /// <param name="sink">Receives closed windows; <c>null</c> to keep only the live counters.</param>
    /// <param name="journeys">
    /// Per-journey state fed with every counted event (after dedup and lateness), expired as the watermark
    /// advances and given a final snapshot by <see cref="CloseAllWindows"/>; <c>null</c> to track no journeys.
    /// Its funnel must be <paramref name="funnel"/>; from now on only this engine's thread may call it.
    /// </param>
    public FunnelEngine(FunnelDefinition funnel, EngineOptions options, IReadOnlyList<DimensionInterner> interners, IWindowSink? sink = null, JourneyStore? journeys = null)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (interners.Count != funnel.Dimensions.Count)
            throw new ArgumentException($"expected {funnel.Dimensions.Count} interners, one per dimension", nameof(interners));
        Funnel = funnel;
        _options = options;
        _interners = interners;
        _sink = sink;
        _latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        var layout = new SlotLayout(funnel.Stages.Count);
        _dedup = new DedupSet(options.DedupHorizon, options.DedupMaxEntries);
        _slots = new BreakdownSlots(funnel.Dimensions.Count);
        _windows = options.WindowSizes.Order().Select(w => new TumblingWindows((long)w.TotalMilliseconds, layout)).ToArray();
        _cumulative = new CumulativeCounters(layout);
        _rolling = new RollingStageCounts(funnel.Stages.Count);
        _idleMs = (long)options.IdleSourceTimeout.TotalMilliseconds;
        _watermark = new WatermarkTracker(_idleMs);
        _late = new long[funnel.Stages.Count];
        _closedView = new ClosedWindow(this, layout);
        _emit = Emit;
        if (journeys is not null && !ReferenceEquals(journeys.Funnel, funnel) && !journeys.Funnel.Stages.SequenceEqual(funnel.Stages))
            throw new ArgumentException("the journey store counts a different funnel (its stages differ)", nameof(journeys));
        _journeys = journeys;
        if (options.SpendRestatements)
        {
            _campaignDim = funnel.Dimensions.ToList().IndexOf("campaign");
            _channelDim = funnel.Dimensions.ToList().IndexOf("channel");
            if (_campaignDim < 0 || _channelDim < 0)
                throw new ArgumentException("spend restatements need the funnel's dimensions to include campaign and channel", nameof(options));
            _spendFigures = new SpendFigures();
            _spendStage = funnel.SpendStage;
        }
    }

    /// <summary>The funnel this engine counts.</summary>
    public FunnelDefinition Funnel { get; }

    /// <summary>The window sizes, ascending.</summary>
    public IReadOnlyList<TimeSpan> WindowSizes => _options.WindowSizes.Order().ToArray();

    /// <summary>The event-time watermark, epoch ms; <see cref="long.MinValue"/> before any event. Engine thread.</summary>
    public long Watermark => _watermark.Current;

    /// <summary>Processes one parsed event from <paramref name="source"/> (a partition index; 0 for a single stream).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EventOutcome Process(in FunnelEvent evt, int source = 0)
    {
        if (!_dedup.TryAdd(evt.IdHash, evt.TimestampMs))
        {
            _duplicates++;
            return EventOutcome.Duplicate;
        }
        long ts = evt.TimestampMs;
        if (ts < _lateBeforeMs)
        {
            _late[evt.Stage]++;
            return EventOutcome.Late;
        }
        int slot = _slots.SlotOf(evt.Dimensions);
        if (_spendFigures is not null && evt.Stage == _spendStage)
        {
            ref SpendFigure figure = ref _spendFigures.GetOrAdd(
                new SpendKey(evt.Dimensions[_campaignDim], evt.Dimensions[_channelDim], SpendFigures.DayOf(ts)), out bool restatement);
            if (restatement)
                return Restate(ref figure, in evt, source);
            figure.CostMicros = evt.CostMicros;
            figure.FirstTimestampMs = ts;
            figure.Slot = slot;
        }
        TumblingWindows[] windows = _windows;
        for (int i = 0; i < windows.Length; i++)
        {
            WindowAccumulator w = windows[i].For(ts);
            w.Add(slot, evt.Stage, evt.AmountMicros, evt.CostMicros);
            if (w.EndMs < _nextCloseAt)
                _nextCloseAt = w.EndMs;
        }
        _cumulative.Add(slot, evt.Stage, evt.AmountMicros, evt.CostMicros);
        _rolling.Add(ts, evt.Stage, evt.AmountMicros, evt.CostMicros);
        _journeys?.Observe(evt.JourneyHash, evt.Stage, ts, slot);
        _counted++;
        _lastCountedAtMs = _processingMs;
        if (ts > _newestMs)
            Volatile.Write(ref _newestMs, ts);
        if (_watermark.Observe(source, ts))
            OnWatermarkAdvanced();
        return EventOutcome.Counted;
    }

    /// <summary>
    /// A spend report for a key already reported (restatements on): the new figure replaces the old one
    /// in the windows, slot and minute the first report was counted in; the event count is unchanged.
    /// Late when the first report's time is older than watermark − allowed lateness (its windows may
    /// have closed for good), so totals per window are always a function of the latest figure.
    /// </summary>
    private EventOutcome Restate(ref SpendFigure figure, in FunnelEvent evt, int source)
    {
        long firstTs = figure.FirstTimestampMs;
        long ts = evt.TimestampMs;
        if (firstTs < _lateBeforeMs)
        {
            _late[evt.Stage]++;
            // Its own time is within lateness, so it still tells how far event time has got.
            if (_watermark.Observe(source, ts))
                OnWatermarkAdvanced();
            return EventOutcome.Late;
        }
        long delta = evt.CostMicros - figure.CostMicros;
        figure.CostMicros = evt.CostMicros;
        int slot = figure.Slot;
        TumblingWindows[] windows = _windows;
        for (int i = 0; i < windows.Length; i++)
            windows[i].For(firstTs).AdjustCost(slot, delta);
        _cumulative.AdjustCost(slot, delta);
        _rolling.AdjustCost(firstTs, delta);
        _counted++;
        Volatile.Write(ref _restated, _restated + 1);
        _lastCountedAtMs = _processingMs;
        if (ts > _newestMs)
            Volatile.Write(ref _newestMs, ts);
        if (_watermark.Observe(source, ts))
            OnWatermarkAdvanced();
        return EventOutcome.Counted;
    }

    /// <summary>
    /// A hint for a caller that has a batch: call it for the event a few places ahead of the one being
    /// processed (about 8), so that its dedup lookup, a likely cache miss in a table of millions of
    /// ids, overlaps with the work in between. Changes nothing; optional (issue 8, EngineBenchmarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(in FunnelEvent upcoming) => _dedup.Prefetch(upcoming.IdHash);

    /// <summary>Tells the engine the processing time (epoch ms), so idle sources stop holding the watermark back.</summary>
    /// <remarks>
    /// With an <see cref="IProvisionalWindowSink"/>, a quiet stream still publishes its windows: once
    /// nothing has been counted for the idle-source timeout, every open window whose end plus the
    /// allowed lateness is at or before <paramref name="nowMs"/> and that changed since it was last
    /// flushed is handed to <see cref="IProvisionalWindowSink.OnWindowFlushed"/> (issue 5). Lateness
    /// is still judged against the event-time watermark, so the live worker counts exactly what
    /// replay counts; an event that lands in a flushed window makes the next flush (or the final
    /// close) carry a new revision.
    /// </remarks>
    /// <param name="nowMs">Processing time, epoch ms.</param>
    /// <param name="delivering">
    /// The sources of the batch about to be processed: they hold the watermark back again, idle or not, so
    /// the batch's records are judged late against the sources delivering them, whatever order the
    /// partitions' records come in.
    /// </param>
    public void SetProcessingTime(long nowMs, ReadOnlySpan<int> delivering = default)
    {
        _processingMs = nowMs;
        if (_watermark.SetProcessingTime(nowMs, delivering))
            OnWatermarkAdvanced();
        if (_sink is IProvisionalWindowSink provisional && _lastCountedAtMs <= nowMs - _idleMs)
        {
            FlushIdle(provisional, nowMs - _latenessMs);
            FlushedThroughMs = Math.Max(FlushedThroughMs, nowMs - _latenessMs);
        }
    }

    /// <summary>
    /// Every open window ending at or before this (epoch ms) has been handed to the
    /// <see cref="IProvisionalWindowSink"/> as it stands, by an idle flush; <see cref="long.MinValue"/>
    /// before the first. Engine thread.
    /// </summary>
    public long FlushedThroughMs { get; private set; } = long.MinValue;

    /// <summary>Registers a source (an assigned partition) so it holds the watermark back from now on, even before its first event.</summary>
    public void AddSource(int source) => _watermark.Add(source);

    /// <summary>Forgets a source whose partition was revoked, so it no longer holds the watermark back.</summary>
    public void RemoveSource(int source)
    {
        if (_watermark.Remove(source))
            OnWatermarkAdvanced();
    }

    /// <summary>
    /// Closes every open window now, oldest first (end of a replay), and publishes the journey store's
    /// final snapshot with every conversion recorded (see <see cref="JourneyStore.PublishSnapshot"/>, end of input).
    /// </summary>
    public void CloseAllWindows()
    {
        foreach (TumblingWindows w in _windows)
            w.CloseUpTo(long.MaxValue, _emit);
        _nextCloseAt = long.MaxValue;
        if (_journeys is not null && _watermark.Current != long.MinValue)
            _journeys.PublishSnapshot(_watermark.Current, endOfInput: true);
    }

    /// <summary>Feeds every closed window to <paramref name="detector"/> too (after the sink); see <see cref="LeakageDetector.Attach"/>. Before the first event.</summary>
    internal void AttachLeakage(LeakageDetector detector)
    {
        if (_leakage is not null)
            throw new InvalidOperationException("a leakage detector is already attached");
        _leakage = detector;
    }

    // ---- Readable from any thread ----

    /// <summary>The newest event time counted, epoch ms (<see cref="long.MinValue"/> before any): where the live rolling windows end. Any thread.</summary>
    public long NewestEventTimeMs => Volatile.Read(ref _newestMs);

    /// <summary>The watermark, readable from any thread (may lag the engine thread's value slightly).</summary>
    public long WatermarkSnapshot => Volatile.Read(ref _watermarkSnapshot);

    /// <summary>Events counted since start. Any thread.</summary>
    public long CountedTotal => Volatile.Read(ref _counted);

    /// <summary>Spend reports that replaced an earlier figure (restatements on) since start; included in <see cref="CountedTotal"/>. Any thread.</summary>
    public long RestatedCount => Volatile.Read(ref _restated);

    /// <summary>(campaign, channel, day) spend figures currently remembered for restatements. Engine thread.</summary>
    public int SpendFigureCount => _spendFigures?.Count ?? 0;

    /// <summary>Duplicates dropped since start. Any thread.</summary>
    public long DuplicateCount => Volatile.Read(ref _duplicates);

    /// <summary>Windows closed (and handed to the sink) since start. Any thread.</summary>
    public long ClosedWindowCount => Volatile.Read(ref _closedWindows);

    /// <summary>Ids forgotten before the dedup horizon because the dedup set was full. Engine thread.</summary>
    public long DedupEvictions => _dedup.Evictions;

    /// <summary>Ids currently remembered for dedup. Engine thread.</summary>
    public int DedupSize => _dedup.Count;

    /// <summary>Late events of <paramref name="stage"/> since start. Any thread.</summary>
    public long LateCount(int stage) => Volatile.Read(ref _late[stage]);

    /// <summary>The number of breakdown slots. Any thread.</summary>
    public int SlotCount => _slots.Count;

    /// <summary>The value of dimension <paramref name="dimension"/> in <paramref name="slot"/>. Any thread.</summary>
    public string DimensionValue(int slot, int dimension) => _interners[dimension].NameOf(_slots.DimensionOf(slot, dimension));

    /// <summary>The id of dimension <paramref name="dimension"/> in <paramref name="slot"/>. Any thread.</summary>
    public int DimensionId(int slot, int dimension) => _slots.DimensionOf(slot, dimension);

    /// <summary>
    /// The journey store's latest snapshot (conversion per cohort, time to convert, sales cycle, stalled
    /// journeys, store health), or <c>null</c> when the engine tracks no journeys. Any thread, lock-free;
    /// replaced at most once per <see cref="JourneyOptions.ScanInterval"/> of watermark advance.
    /// </summary>
    public JourneySnapshot? Journeys => _journeys?.Snapshot;

    /// <summary>Journeys evicted at the store's cap since start (0 without journeys). Any thread.</summary>
    public long JourneyEvictions => _journeys?.Evictions ?? 0;

    /// <summary>A view of the cumulative counters. Any thread.</summary>
    public CounterView Counters
    {
        get
        {
            int slots = _slots.Count;
            return new CounterView(_cumulative.Snapshot, _cumulative.Layout, slots);
        }
    }

    /// <summary>
    /// Sums each stage's count over the rolling <paramref name="window"/> (whole minutes, at most
    /// 24 h) ending at the minute of <paramref name="endMs"/> (usually the watermark). Any thread.
    /// </summary>
    public void SumRolling(long endMs, TimeSpan window, Span<long> perStage) =>
        _rolling.Sum(endMs, (int)window.TotalMinutes, perStage);

    /// <summary>
    /// Adds counts, amounts and spend over the rolling <paramref name="window"/> (whole minutes, at
    /// most 24 h) ending at the minute of <paramref name="endMs"/> into <paramref name="totals"/>; the
    /// previous window of the same size ends one window earlier. Any thread.
    /// </summary>
    public void SumRollingTotals(long endMs, TimeSpan window, StageTotals totals) =>
        _rolling.Sum(endMs, (int)window.TotalMinutes, totals);

    private void OnWatermarkAdvanced()
    {
        long wm = _watermark.Current;
        Volatile.Write(ref _watermarkSnapshot, wm);
        _dedup.Expire(wm);
        _journeys?.Expire(wm);
        long closeBefore = wm - _latenessMs;
        _lateBeforeMs = closeBefore;
        _spendFigures?.Expire(closeBefore);
        if (closeBefore < _nextCloseAt)
            return;
        long next = long.MaxValue;
        foreach (TumblingWindows w in _windows)
        {
            w.CloseUpTo(closeBefore, _emit);
            next = Math.Min(next, w.EarliestEnd);
        }
        _nextCloseAt = next;
    }

    private void FlushIdle(IProvisionalWindowSink sink, long endAtOrBeforeMs)
    {
        foreach (TumblingWindows size in _windows)
        {
            IReadOnlyList<WindowAccumulator> open = size.OpenWindows;
            for (int i = 0; i < open.Count && open[i].EndMs <= endAtOrBeforeMs; i++)
            {
                WindowAccumulator w = open[i];
                if (!w.Dirty)
                    continue;
                w.Dirty = false;
                _closedView.Attach(w, final: false);
                try
                {
                    sink.OnWindowFlushed(_closedView);
                }
                finally
                {
                    _closedView.Attach(null);
                }
            }
        }
    }

    private void Emit(WindowAccumulator window)
    {
        _closedWindows++;
        if (_sink is null && _leakage is null)
            return;
        _closedView.Attach(window);
        try
        {
            _sink?.OnWindowClosed(_closedView);
            _leakage?.OnWindowClosed(_closedView);
        }
        finally
        {
            _closedView.Attach(null);
        }
    }
}
