using FunnelStream.Events;

namespace FunnelStream.Engine.Leakage;

/// <summary>
/// Funnel leakage detection (issue 4; spec/kpis.md, "Funnel leakage"): per watched transition a -&gt; b
/// and per scope (the total, and each value of each breakdown dimension within the cardinality
/// budget), every evaluation interval of event time, judges the conversion over the rolling window
/// and opens, updates and resolves alerts.
/// </summary>
/// <remarks>
/// <para>Driven by the engine's closed windows (attach with <see cref="FunnelEngine.AttachLeakage"/>), so
/// it sees final counts in event time, after the allowed lateness, and a replay is deterministic.
/// An interval is judged when its last window closes, or when a window of a later interval does.</para>
/// <para>A leak opens when, with at least <see cref="LeakageOptions.MinFromEvents"/> a-events, the upper
/// bound of the Wilson interval is below the threshold: the conversion is confidently low, not just
/// low on a noisy sample. The threshold is the higher of the benchmark and baseline × (1 − allowed
/// drop). It resolves when the upper bound has stayed at or above threshold × (1 + margin) for the
/// hold time; with too few a-events the alert stays as it is. When a leak opens on the total, the
/// breakdown values whose shortfall explains most of the total's are attached (attribution).</para>
/// <para>Evidence is chosen per transition (<see cref="LeakageTransitionOptions.RateSource"/>): count based
/// (count(b) / count(a) in the rolling window, per total and breakdown value), or journey based
/// (converted / entered over the mature entry cohorts starting within <see cref="LeakageOptions.JourneyLookback"/>,
/// read from the engine's journey store; total only, without attribution, since the store does not
/// keep cohorts per breakdown value).</para>
/// <para>Thread safety: everything runs on the engine thread except <see cref="Gauges"/>, <see cref="Transitions"/>,
/// <see cref="AlertsOpened"/> and <see cref="AlertsResolved"/>, readable from any thread.</para>
/// </remarks>
public sealed partial class LeakageDetector
{
    private const long Week = 7 * 24 * 3_600_000L;

    private readonly FunnelEngine _engine;
    private readonly LeakageOptions _options;
    private readonly ILeakageAlertSink? _sink;
    private readonly CountRateSource _counts;
    private readonly IConversionRateSource[] _sources;
    private readonly long[] _rangeMs;
    private readonly (int From, int To, LeakageTransitionOptions Options)[] _transitions;
    private readonly long _stepMs;
    private readonly long _windowMs;
    private readonly long _sourceWindowMs;
    private readonly double _z;
    private readonly double _alpha;
    private readonly List<LeakageScope> _scopes = [];
    private readonly int[][] _scopeOfValue;
    private readonly int[] _valuesPerDimension;
    private readonly List<LeakState[]> _states = [];
    private long _bucket = long.MinValue;
    private bool _bucketJudged;
    private long _opened;
    private long _resolved;
    private long _judgements;
    private LeakageGauge[] _gauges = [];

    private LeakageDetector(FunnelEngine engine, LeakageOptions options, ILeakageAlertSink? sink)
    {
        _engine = engine;
        _options = options;
        _sink = sink;
        FunnelDefinition funnel = engine.Funnel;
        _transitions = (options.Transitions ?? LeakageOptions.DefaultTransitions(funnel))
            .Select(t => (funnel.IndexOf(t.From), funnel.IndexOf(t.To), t)).ToArray();
        Transitions = _transitions.Select(t => (t.Options.From, t.Options.To)).ToArray();
        _stepMs = (long)options.EvaluationInterval.TotalMilliseconds;
        _windowMs = (long)options.RollingWindow.TotalMilliseconds;
        _sourceWindowMs = (long)options.SourceWindow(engine.WindowSizes)!.Value.TotalMilliseconds;
        _z = WilsonScore.ZForConfidence(options.Confidence);
        _alpha = 1 - Math.Pow(0.5, options.EvaluationInterval / options.BaselineHalfLife);
        bool weekly = _transitions.Any(t => t.Options.Baseline == BaselineKind.SameHourLastWeek);
        _counts = new CountRateSource(_stepMs, funnel.Stages.Count, _windowMs + (weekly ? Week : 0) + _stepMs);
        var journeys = new JourneyRateSource(engine);
        _sources = _transitions.Select(t => t.Options.RateSource == LeakageRateSource.Journey ? journeys : (IConversionRateSource)_counts).ToArray();
        _rangeMs = _transitions.Select(t => t.Options.RateSource == LeakageRateSource.Journey
            ? (long)options.JourneyLookback.TotalMilliseconds : _windowMs).ToArray();
        RateSources = _transitions.Select(t => t.Options.RateSource == LeakageRateSource.Journey ? "journey" : "count").ToArray();
        _scopeOfValue = funnel.Dimensions.Select(_ => new int[16]).ToArray();
        _valuesPerDimension = new int[funnel.Dimensions.Count];
        AddScope(-1, -1, null);
        // Until the first evaluation every transition's total is shown as not leaking and without a
        // sample, so that dashboards and alert rules see a 0 rather than no series at all.
        _gauges = Enumerable.Range(0, _transitions.Length)
            .Select(t => new LeakageGauge(t, _scopes[0], false, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, false))
            .ToArray();
    }

    /// <summary>
    /// Creates a detector fed by <paramref name="engine"/>'s closed windows and attaches it. Validates
    /// <paramref name="options"/> against the engine's funnel and window sizes (throws <see cref="ArgumentException"/>).
    /// </summary>
    /// <param name="engine">The engine; a detector is attached once, before the first event.</param>
    /// <param name="options">The settings.</param>
    /// <param name="sink">Receives alert records; <c>null</c> for gauges only.</param>
    /// <exception cref="ArgumentException">An option is invalid, or a <see cref="LeakageRateSource.Journey"/> transition is watched on an engine without a journey store (ParamName <c>Transitions[i].RateSource</c>).</exception>
    public static LeakageDetector Attach(FunnelEngine engine, LeakageOptions options, ILeakageAlertSink? sink)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(engine.Funnel, engine.WindowSizes);
        IReadOnlyList<LeakageTransitionOptions> transitions = options.Transitions ?? LeakageOptions.DefaultTransitions(engine.Funnel);
        for (int i = 0; i < transitions.Count; i++)
        {
            if (transitions[i].RateSource == LeakageRateSource.Journey && engine.Journeys is null)
                throw new ArgumentException("journey evidence needs an engine with a journey store (journeys enabled)", $"Transitions[{i}].RateSource");
        }
        var detector = new LeakageDetector(engine, options, sink);
        engine.AttachLeakage(detector);
        return detector;
    }

    /// <summary>The watched transitions (stage names), in configuration order. Any thread.</summary>
    public IReadOnlyList<(string From, string To)> Transitions { get; }

    /// <summary>The latest judgement of every transition and scope (after the latest evaluation); before the first, each transition's total, inactive and without a sample. Any thread.</summary>
    public IReadOnlyList<LeakageGauge> Gauges => Volatile.Read(ref _gauges);

    /// <summary>Per watched transition (same order as <see cref="Transitions"/>), its evidence: <c>count</c> or <c>journey</c> (the <c>rate_source</c> label and record field). Any thread.</summary>
    public IReadOnlyList<string> RateSources { get; }

    /// <summary>Alerts opened since start. Any thread.</summary>
    public long AlertsOpened => Volatile.Read(ref _opened);

    /// <summary>Alerts resolved since start. Any thread.</summary>
    public long AlertsResolved => Volatile.Read(ref _resolved);

    /// <summary>
    /// Judgements made since start with a sufficient sample and a threshold: the (transition, scope,
    /// interval) triples that could have opened an alert. Any thread.
    /// </summary>
    public long Judgements => Volatile.Read(ref _judgements);

    /// <summary>The scopes watched so far (the total first). Engine thread.</summary>
    public IReadOnlyList<LeakageScope> Scopes => _scopes;

    /// <summary>Takes one closed window (engine thread; called by the engine).</summary>
    internal void OnWindowClosed(ClosedWindow window)
    {
        if (window.SizeMs != _sourceWindowMs)
            return;
        long bucket = window.StartMs / _stepMs;
        if (_bucket == long.MinValue)
        {
            _bucket = bucket;
            _counts.Begin(bucket);
        }
        while (_bucket < bucket)
        {
            if (!_bucketJudged)
                Evaluate((_bucket + 1) * _stepMs);
            _bucket++;
            _bucketJudged = false;
            _counts.Begin(_bucket);
        }
        int dims = _scopeOfValue.Length;
        Span<int> scopes = stackalloc int[dims + 1];
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            int n = 0;
            scopes[n++] = 0;
            for (int d = 0; d < dims; d++)
            {
                int scope = ScopeOf(d, _engine.DimensionId(slot, d), slot);
                if (scope > 0)
                    scopes[n++] = scope;
            }
            for (int stage = 0; stage < _engine.Funnel.Stages.Count; stage++)
            {
                long c = window.Count(slot, stage);
                if (c == 0)
                    continue;
                for (int i = 0; i < n; i++)
                    _counts.Add(scopes[i], _bucket, stage, c);
            }
        }
        if (window.EndMs % _stepMs == 0)
        {
            Evaluate(window.EndMs);
            _bucketJudged = true;
        }
    }

    private int ScopeOf(int dimension, int valueId, int slot)
    {
        int[] map = _scopeOfValue[dimension];
        if (valueId < map.Length && map[valueId] != 0)
            return map[valueId];
        if (_resumable is not null && TryResume(dimension, valueId, slot, out int resumed))
            return resumed;
        if (_valuesPerDimension[dimension] >= _options.MaxValuesPerDimension)
            return 0;
        if (valueId >= map.Length)
        {
            Array.Resize(ref _scopeOfValue[dimension], Math.Max(valueId + 1, map.Length * 2));
            map = _scopeOfValue[dimension];
        }
        _valuesPerDimension[dimension]++;
        map[valueId] = AddScope(dimension, valueId, _engine.DimensionValue(slot, dimension));
        return map[valueId];
    }

    private int AddScope(int dimension, int valueId, string? value)
    {
        int index = _scopes.Count;
        _scopes.Add(dimension < 0
            ? new LeakageScope(0, -1, null, null, -1)
            : new LeakageScope(index, dimension, _engine.Funnel.Dimensions[dimension], value, valueId));
        _counts.AddScope();
        var states = new LeakState[_transitions.Length];
        for (int t = 0; t < states.Length; t++)
            states[t] = new LeakState();
        _states.Add(states);
        return index;
    }

    /// <summary>Judges every transition and scope over the rolling window ending at <paramref name="atMs"/>.</summary>
    private void Evaluate(long atMs)
    {
        int journeyTransitions = _transitions.Count(t => t.Options.RateSource == LeakageRateSource.Journey);
        var gauges = new LeakageGauge[(_transitions.Length - journeyTransitions) * _scopes.Count + journeyTransitions];
        int g = 0;
        for (int t = 0; t < _transitions.Length; t++)
        {
            // Journey evidence exists for the total only (the store has no cohorts per breakdown value).
            int scopes = _transitions[t].Options.RateSource == LeakageRateSource.Journey ? 1 : _scopes.Count;
            // First the numbers of every scope (attribution needs the breakdown scopes' baselines), then the verdicts.
            for (int s = 0; s < scopes; s++)
                Measure(t, _scopes[s], _states[s][t], atMs);
            for (int s = 0; s < scopes; s++)
            {
                LeakState st = _states[s][t];
                Judge(t, _scopes[s], st, atMs);
                gauges[g++] = new LeakageGauge(t, _scopes[s], st.Open, st.Sample.FromEvents, st.Sample.Rate, st.Lower, st.Upper,
                    st.Baseline, st.Threshold, st.Sufficient);
            }
            for (int s = 0; s < scopes; s++)
                UpdateBaseline(t, _scopes[s], _states[s][t], atMs);
        }
        Volatile.Write(ref _gauges, gauges);
    }

    private void Measure(int t, LeakageScope scope, LeakState st, long atMs)
    {
        (int from, int to, LeakageTransitionOptions o) = _transitions[t];
        st.Sample = _sources[t].Sample(scope, from, to, atMs - _rangeMs[t], atMs);
        st.Sufficient = st.Sample.FromEvents >= _options.MinFromEvents;
        (st.Lower, st.Upper) = WilsonScore.Interval(st.Sample.ToEvents, st.Sample.FromEvents, _z);
        switch (o.Baseline)
        {
            case BaselineKind.Ewma:
                bool ready = st.HistoryMs >= (long)_options.BaselineWarmUp.TotalMilliseconds
                    && st.EwmaFrom / _alpha >= _options.MinFromEvents;
                st.Baseline = ready ? Math.Min(1, st.EwmaTo / st.EwmaFrom) : double.NaN;
                break;
            case BaselineKind.SameHourLastWeek:
                ConversionSample before = _sources[t].Sample(scope, from, to, atMs - Week - _rangeMs[t], atMs - Week);
                st.Baseline = before.FromEvents >= _options.MinFromEvents ? Math.Min(1, before.Rate) : double.NaN;
                break;
            default:
                st.Baseline = double.NaN;
                break;
        }
        double byBaseline = double.IsNaN(st.Baseline) ? double.NaN : st.Baseline * (1 - o.AllowedDrop);
        double benchmark = o.Benchmark ?? double.NaN;
        st.ThresholdIsBenchmark = !double.IsNaN(benchmark) && !(byBaseline > benchmark);
        st.Threshold = st.ThresholdIsBenchmark ? benchmark : byBaseline;
    }

    private void Judge(int t, LeakageScope scope, LeakState st, long atMs)
    {
        // Until a scope has been watched for a whole rolling window, its window is partly empty and a
        // count-based rate is biased low (b-events of the first a-events have not happened yet).
        st.ObservedMs += _stepMs;
        if (st.ObservedMs < _windowMs)
            return;
        bool hasThreshold = !double.IsNaN(st.Threshold);
        if (st.Sufficient && hasThreshold)
            Interlocked.Increment(ref _judgements);
        bool breach = st.Sufficient && hasThreshold && st.Upper < st.Threshold;
        if (!st.Open)
        {
            if (!breach)
                return;
            st.Open = true;
            st.FirstSeenMs = st.LastSeenMs = st.LastEmittedMs = atMs;
            st.ClearSinceMs = long.MinValue;
            (string from, string to) = Transitions[t];
            st.AlertId = $"{from}->{to}|{scope.Label}|{LeakageAlert.Time(atMs)}";
            st.Attribution = scope.IsTotal && _sources[t] == _counts ? Attribute(t, st) : [];
            Interlocked.Increment(ref _opened);
            Emit(LeakageAlertKind.Opened, t, scope, st, atMs);
            return;
        }
        if (breach)
            st.LastSeenMs = atMs;
        bool clearing = st.Sufficient && hasThreshold && st.Upper >= st.Threshold * (1 + _options.HysteresisMargin);
        if (!clearing)
            st.ClearSinceMs = long.MinValue;
        else if (st.ClearSinceMs == long.MinValue)
            st.ClearSinceMs = atMs;
        if (clearing && atMs - st.ClearSinceMs >= (long)_options.ClearHold.TotalMilliseconds)
        {
            st.Open = false;
            Interlocked.Increment(ref _resolved);
            Emit(LeakageAlertKind.Resolved, t, scope, st, atMs);
            st.Attribution = [];
            return;
        }
        if (atMs - st.LastEmittedMs >= (long)_options.UpdateInterval.TotalMilliseconds)
        {
            if (scope.IsTotal && _sources[t] == _counts)
                st.Attribution = Attribute(t, st);
            st.LastEmittedMs = atMs;
            Emit(LeakageAlertKind.Updated, t, scope, st, atMs);
        }
    }

    /// <summary>
    /// The breakdown values, per dimension, that convert significantly worse than the rest of the
    /// funnel (two-proportion z-test at the configured confidence), largest shortfall (a-events ×
    /// expected rate − b-events) first, until they explain <see cref="LeakageOptions.AttributionCoverage"/>
    /// of the total's shortfall. A drop spread evenly over a dimension's values names none of them.
    /// </summary>
    private List<AttributionEntry> Attribute(int t, LeakState total)
    {
        double reference = total.ThresholdIsBenchmark ? _transitions[t].Options.Benchmark!.Value : total.Baseline;
        double totalShortfall = total.Sample.FromEvents * reference - total.Sample.ToEvents;
        var result = new List<AttributionEntry>();
        if (!(totalShortfall > 0))
            return result;
        for (int d = 0; d < _scopeOfValue.Length; d++)
        {
            var candidates = new List<AttributionEntry>();
            for (int s = 1; s < _scopes.Count; s++)
            {
                LeakageScope scope = _scopes[s];
                if (scope.Dimension != d)
                    continue;
                LeakState st = _states[s][t];
                double expected = !total.ThresholdIsBenchmark && !double.IsNaN(st.Baseline) ? st.Baseline : reference;
                double shortfall = st.Sample.FromEvents * expected - st.Sample.ToEvents;
                if (shortfall > 0 && WorseThanRest(st.Sample, total.Sample))
                    candidates.Add(new AttributionEntry(scope.DimensionName!, scope.Value!, st.Sample.FromEvents, st.Sample.ToEvents,
                        expected, shortfall, shortfall / totalShortfall));
            }
            double covered = 0;
            foreach (AttributionEntry e in candidates.OrderByDescending(c => c.Shortfall).ThenBy(c => c.Value, StringComparer.Ordinal))
            {
                if (covered >= _options.AttributionCoverage * totalShortfall || result.Count(r => r.Dimension == e.Dimension) >= _options.AttributionMaxValues)
                    break;
                result.Add(e);
                covered += e.Shortfall;
            }
        }
        return result;
    }

    /// <summary>Whether <paramref name="part"/> converts worse than <paramref name="whole"/> minus it, at the configured confidence (pooled two-proportion z-test).</summary>
    private bool WorseThanRest(ConversionSample part, ConversionSample whole)
    {
        double n1 = part.FromEvents, n2 = whole.FromEvents - part.FromEvents;
        if (n1 <= 0 || n2 <= 0)
            return false;
        double x1 = Math.Min(part.ToEvents, n1), x2 = Math.Clamp(whole.ToEvents - part.ToEvents, 0, n2);
        double pooled = (x1 + x2) / (n1 + n2);
        double se = Math.Sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
        return se > 0 && (x2 / n2 - x1 / n1) / se >= _z;
    }

    private void UpdateBaseline(int t, LeakageScope scope, LeakState st, long atMs)
    {
        (int from, int to, LeakageTransitionOptions o) = _transitions[t];
        // The baseline learns from the interval that has just left the rolling window, never from the
        // data being judged, and not while a leak is open: a leak never becomes its own baseline.
        // Nor from the scope's first window, where a count-based rate is biased low. Journey evidence
        // learns from the mature cohorts that have just left the lookback.
        if (o.Baseline != BaselineKind.Ewma || st.Open || st.ObservedMs < 2 * _windowMs)
            return;
        ConversionSample step = _sources[t].Sample(scope, from, to, atMs - _rangeMs[t] - _stepMs, atMs - _rangeMs[t]);
        st.EwmaFrom += _alpha * (step.FromEvents - st.EwmaFrom);
        st.EwmaTo += _alpha * (step.ToEvents - st.EwmaTo);
        st.HistoryMs += _stepMs;
    }

    private void Emit(LeakageAlertKind kind, int t, LeakageScope scope, LeakState st, long atMs)
    {
        if (_sink is null)
            return;
        LeakageTransitionOptions o = _transitions[t].Options;
        _sink.OnAlert(new LeakageAlert
        {
            Kind = kind,
            AlertId = st.AlertId,
            From = o.From,
            To = o.To,
            Scope = scope.Label,
            Dimension = scope.DimensionName,
            Value = scope.Value,
            RateSource = RateSources[t],
            FromEvents = st.Sample.FromEvents,
            ToEvents = st.Sample.ToEvents,
            ObservedRate = st.Sample.Rate,
            Lower = st.Lower,
            Upper = st.Upper,
            Confidence = _options.Confidence,
            Threshold = st.Threshold,
            ThresholdKind = st.ThresholdIsBenchmark ? "benchmark" : "baseline",
            Benchmark = o.Benchmark,
            Baseline = double.IsNaN(st.Baseline) ? null : st.Baseline,
            BaselineKind = o.Baseline switch
            {
                BaselineKind.Ewma => "ewma",
                BaselineKind.SameHourLastWeek => "same_hour_last_week",
                _ => "none",
            },
            Attribution = st.Attribution,
            FirstSeenMs = st.FirstSeenMs,
            LastSeenMs = st.LastSeenMs,
            EvaluatedAtMs = atMs,
        });
    }
}
