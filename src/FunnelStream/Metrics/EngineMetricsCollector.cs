using FunnelStream.Engine;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>
/// The funnel's metrics (docs/metrics.md, "Funnel"), read lock-free from the engine on each scrape.
/// Label sets are built once per breakdown slot and stage and reused; a scrape allocates only when
/// new slots appeared since the last one. Thread-safe: scrapes serialise on a lock of their own, so
/// the caches have one writer; ingest is never blocked.
/// </summary>
internal sealed class EngineMetricsCollector : IMetricsCollector
{
    private static readonly string[] AmountStages = ["opportunity", "won", "lost", "renewal", "expansion", "churn"];

    private readonly FunnelEngine _engine;
    private readonly int _stages;
    private readonly int[] _amountStages;
    private readonly int _won;
    private readonly (TimeSpan Window, (int From, int To, LabelSet Labels)[] Pairs)[] _rolling;
    private readonly MetricFamily _events = MetricFamily.Counter("funnel_events", "Deduplicated, on-time events counted, per stage and breakdown.");
    private readonly MetricFamily _spend = MetricFamily.Counter("funnel_spend", "Sum of cost over counted events (spend reports included), in currency units.");
    private readonly MetricFamily _revenue = MetricFamily.Counter("funnel_revenue", "Sum of amount over counted won events, in currency units.");
    private readonly MetricFamily _amount = MetricFamily.Counter("funnel_amount", "Sum of amount per deal stage, in currency units.");
    private readonly MetricFamily _conversion = MetricFamily.Gauge("funnel_conversion_ratio", "Count-based conversion count(to)/count(from), adjacent stages and the named pairs click->mql, sql->won, over the rolling event-time window ending at the newest event time.");
    private readonly MetricFamily _late = MetricFamily.Counter("funnel_events_late", "Events older than the watermark minus the allowed lateness: not counted, dead-lettered.");
    private readonly MetricFamily _duplicates = MetricFamily.Counter("funnel_events_duplicate", "Events whose id was already seen within the dedup horizon.");
    private readonly MetricFamily _restated = MetricFamily.Counter("funnel_spend_restatements", "Spend reports that replaced an earlier figure for their campaign, channel and day (Events:SpendRestatements).");
    private readonly MetricFamily _watermark = MetricFamily.Gauge("funnel_watermark_timestamp_seconds", "The event-time watermark, Unix seconds.", "seconds");
    private readonly MetricFamily _windowsClosed = MetricFamily.Counter("funnel_windows_closed", "Tumbling windows closed (final).");
    private readonly MetricFamily _dedupIds = MetricFamily.Gauge("funnel_dedup_ids", "Event ids remembered for dedup.");
    private readonly MetricFamily _dedupEvictions = MetricFamily.Counter("funnel_dedup_evictions", "Ids forgotten before the dedup horizon because the dedup set was full.");
    private readonly MetricFamily _slots = MetricFamily.Gauge("funnel_breakdown_slots", "Distinct breakdown label combinations seen.");
    private readonly LabelSet[] _stageLabels;
    private readonly object _scrape = new();
    private LabelSet[] _slotStageLabels = [];
    private LabelSet[] _slotLabels = [];
    private int _labelledSlots;

    public EngineMetricsCollector(FunnelEngine engine, IReadOnlyList<TimeSpan> rollingWindows)
    {
        _engine = engine;
        var funnel = engine.Funnel;
        _stages = funnel.Stages.Count;
        _won = funnel.IndexOf("won");
        _amountStages = AmountStages.Select(funnel.IndexOf).Where(i => i >= 0).ToArray();
        _stageLabels = funnel.Stages.Select(s => new LabelSet(("stage", s))).ToArray();
        _rolling = rollingWindows.Select(w => (w, Engine.Kpis.KpiCatalog.ConversionPairs(funnel)
            .Select(p => (p.From, p.To, new LabelSet(("from", funnel.Stages[p.From]), ("to", funnel.Stages[p.To]), ("window", MetricLabels.Window(w)))))
            .ToArray())).ToArray();
    }

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            CounterView view = _engine.Counters;
            EnsureLabels(view.SlotCount);
            int slots = view.SlotCount;

            writer.BeginFamily(_events);
            for (int slot = 0; slot < slots; slot++)
            {
                for (int s = 0; s < _stages; s++)
                    writer.Sample(_slotStageLabels[slot * _stages + s], view.Count(slot, s));
            }
            writer.BeginFamily(_spend);
            for (int slot = 0; slot < slots; slot++)
                writer.Sample(_slotLabels[slot], MetricLabels.Money(view.SpendMicros(slot)));
            if (_won >= 0)
            {
                writer.BeginFamily(_revenue);
                for (int slot = 0; slot < slots; slot++)
                    writer.Sample(_slotLabels[slot], MetricLabels.Money(view.AmountMicros(slot, _won)));
            }
            writer.BeginFamily(_amount);
            for (int slot = 0; slot < slots; slot++)
            {
                foreach (int s in _amountStages)
                    writer.Sample(_slotStageLabels[slot * _stages + s], MetricLabels.Money(view.AmountMicros(slot, s)));
            }

            writer.BeginFamily(_conversion);
            long newest = _engine.NewestEventTimeMs;
            if (newest != long.MinValue)
            {
                Span<long> perStage = stackalloc long[_stages];
                foreach ((TimeSpan window, (int From, int To, LabelSet Labels)[] pairs) in _rolling)
                {
                    _engine.SumRolling(newest, window, perStage);
                    foreach ((int from, int to, LabelSet labels) in pairs)
                    {
                        if (perStage[from] > 0)
                            writer.Sample(labels, (double)perStage[to] / perStage[from]);
                    }
                }
            }

            writer.BeginFamily(_late);
            for (int s = 0; s < _stages; s++)
                writer.Sample(_stageLabels[s], _engine.LateCount(s));
            writer.BeginFamily(_duplicates);
            writer.Sample(LabelSet.Empty, _engine.DuplicateCount);
            writer.BeginFamily(_restated);
            writer.Sample(LabelSet.Empty, _engine.RestatedCount);
            long watermark = _engine.WatermarkSnapshot;
            if (watermark != long.MinValue)
            {
                writer.BeginFamily(_watermark);
                writer.Sample(LabelSet.Empty, watermark / 1000d);
            }
            writer.BeginFamily(_windowsClosed);
            writer.Sample(LabelSet.Empty, _engine.ClosedWindowCount);
            writer.BeginFamily(_dedupIds);
            writer.Sample(LabelSet.Empty, (long)_engine.DedupSize);
            writer.BeginFamily(_dedupEvictions);
            writer.Sample(LabelSet.Empty, _engine.DedupEvictions);
            writer.BeginFamily(_slots);
            writer.Sample(LabelSet.Empty, (long)slots);
        }
    }

    private void EnsureLabels(int slots)
    {
        if (slots <= _labelledSlots)
            return;
        var dims = _engine.Funnel.Dimensions;
        if (slots > _slotLabels.Length)
        {
            int capacity = Math.Max(slots, _slotLabels.Length * 2);
            Array.Resize(ref _slotLabels, capacity);
            Array.Resize(ref _slotStageLabels, capacity * _stages);
        }
        for (int slot = _labelledSlots; slot < slots; slot++)
        {
            var pairs = new (string, string)[dims.Count + 1];
            for (int d = 0; d < dims.Count; d++)
                pairs[d + 1] = (dims[d], _engine.DimensionValue(slot, d));
            _slotLabels[slot] = new LabelSet(pairs.AsSpan(1));
            for (int s = 0; s < _stages; s++)
            {
                pairs[0] = ("stage", _engine.Funnel.Stages[s]);
                _slotStageLabels[slot * _stages + s] = new LabelSet(pairs);
            }
        }
        _labelledSlots = slots;
    }
}
