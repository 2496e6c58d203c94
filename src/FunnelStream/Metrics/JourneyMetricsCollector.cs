using System.Globalization;
using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>
/// The journey metrics (docs/metrics.md, "Journeys"), read from the engine's latest immutable
/// <see cref="JourneySnapshot"/> on each scrape: conversion per entry cohort with a <c>mature</c> label,
/// time to convert and sales cycle as histograms, stalled journeys per stage, and the store's health.
/// </summary>
/// <remarks>
/// Thread-safe: scrapes serialise on a lock of their own (the label caches have one writer) and read the
/// snapshot lock-free, so ingest is never blocked. Label sets are built when a cohort first appears (or
/// turns mature) and reused until it leaves the snapshot. Journey ids never become labels: the only
/// labels are stage names, cohort start times (bounded by the cohort retention) and <c>mature</c>.
/// </remarks>
internal sealed class JourneyMetricsCollector : IMetricsCollector
{
    private readonly FunnelEngine _engine;
    private readonly JourneyOptions _options;
    private readonly MetricFamily _entered = MetricFamily.Gauge("funnel_journey_cohort_entered", "Journeys whose first event of stage 'from' fell in the entry cohort starting at 'cohort'.");
    private readonly MetricFamily _converted = MetricFamily.Gauge("funnel_journey_cohort_converted", "Of the cohort's journeys, those that reached 'to' no earlier than 'from' and within the conversion window (ClickHouse windowFunnel semantics).");
    private readonly MetricFamily _ratio = MetricFamily.Gauge("funnel_journey_conversion_ratio", "Journey-based conversion from -> to of the entry cohort: converted / entered, 0-1; label mature is false while it may still grow.");
    private readonly MetricFamily _timeToConvert;
    private readonly MetricFamily _salesCycle;
    private readonly MetricFamily _stalled = MetricFamily.Gauge("funnel_journeys_stalled", "Tracked journeys whose furthest stage is 'stage' and who entered it longer than its SLA ago (closed journeys, e.g. lost, excluded).");
    private readonly MetricFamily _sla = MetricFamily.Gauge("funnel_journey_stage_sla_seconds", "The configured SLA of the stage.", "seconds");
    private readonly MetricFamily _tracked = MetricFamily.Gauge("funnel_journeys_tracked", "Journeys held in memory.");
    private readonly MetricFamily _max = MetricFamily.Gauge("funnel_journeys_max", "The most journeys held at once (FunnelStream:Journeys:MaxJourneys).");
    private readonly MetricFamily _bytes = MetricFamily.Gauge("funnel_journey_store_bytes", "Bytes held by the journey table's arrays (capacity).", "bytes");
    private readonly MetricFamily _evictions = MetricFamily.Counter("funnel_journey_evictions", "Journeys evicted, least recently active first, because the store was at its cap.");
    private readonly MetricFamily _expirations = MetricFamily.Counter("funnel_journey_expirations", "Journeys forgotten after a conversion window without events.");
    private readonly MetricFamily _snapshotTime = MetricFamily.Gauge("funnel_journey_snapshot_timestamp_seconds", "The watermark the journey metrics were computed at, Unix seconds.", "seconds");
    private readonly Lock _scrape = new();
    private LabelSet[] _pairLabels = [];
    private LabelSet[] _stageLabels = [];
    private long[] _buckets = [];
    private Dictionary<(int Pair, long Start, bool Mature), LabelSet> _cohortLabels = [];
    private JourneySnapshot? _labelledFor;

    public JourneyMetricsCollector(FunnelEngine engine, JourneyOptions options)
    {
        _engine = engine;
        _options = options;
        _timeToConvert = MetricFamily.Histogram("funnel_journey_time_to_convert_seconds",
            "ts(to) - ts(from) over journeys converted from -> to within the conversion window, recorded once per journey when final.",
            options.TimeToConvertBucketsSeconds.ToArray(), "seconds");
        _salesCycle = MetricFamily.Histogram("funnel_journey_sales_cycle_seconds",
            "Sales cycle length: ts(first won) - ts(first lead) per journey, recorded once per journey when final.",
            options.SalesCycleBucketsSeconds.ToArray(), "seconds");
        var stages = engine.Funnel.Stages;
        _pairLabels = engine.Funnel.AdjacentPairs().Select(p => new LabelSet(("from", stages[p.From]), ("to", stages[p.To]))).ToArray();
        _stageLabels = stages.Select(s => new LabelSet(("stage", s))).ToArray();
        _buckets = new long[Math.Max(options.TimeToConvertBucketsSeconds.Count, options.SalesCycleBucketsSeconds.Count) + 1];
    }

    public void Collect(MetricsWriter writer)
    {
        JourneySnapshot? snapshot = _engine.Journeys;
        if (snapshot is null)
            return;
        lock (_scrape)
        {
            RefreshCohortLabels(snapshot);

            writer.BeginFamily(_entered);
            foreach (TransitionSnapshot t in snapshot.Transitions)
            {
                foreach (CohortSnapshot c in t.Cohorts)
                    writer.Sample(_cohortLabels[(t.FromStage, c.StartMs, c.Mature)], c.Entered);
            }
            writer.BeginFamily(_converted);
            foreach (TransitionSnapshot t in snapshot.Transitions)
            {
                foreach (CohortSnapshot c in t.Cohorts)
                    writer.Sample(_cohortLabels[(t.FromStage, c.StartMs, c.Mature)], c.Converted);
            }
            writer.BeginFamily(_ratio);
            foreach (TransitionSnapshot t in snapshot.Transitions)
            {
                foreach (CohortSnapshot c in t.Cohorts)
                {
                    // A ratio over zero has no value (spec/kpis.md): no sample.
                    if (c.Entered > 0)
                        writer.Sample(_cohortLabels[(t.FromStage, c.StartMs, c.Mature)], c.Rate);
                }
            }

            writer.BeginFamily(_timeToConvert);
            foreach (TransitionSnapshot t in snapshot.Transitions)
                WriteHistogram(writer, _pairLabels[t.FromStage], t.TimeToConvert);
            writer.BeginFamily(_salesCycle);
            WriteHistogram(writer, LabelSet.Empty, snapshot.SalesCycle);

            writer.BeginFamily(_stalled);
            foreach (StalledStage s in snapshot.Stalled)
                writer.Sample(_stageLabels[s.Stage], s.Count);
            writer.BeginFamily(_sla);
            foreach (StalledStage s in snapshot.Stalled)
                writer.Sample(_stageLabels[s.Stage], s.Sla.TotalSeconds);

            writer.BeginFamily(_tracked);
            writer.Sample(LabelSet.Empty, snapshot.TrackedJourneys);
            writer.BeginFamily(_max);
            writer.Sample(LabelSet.Empty, (long)_options.MaxJourneys);
            writer.BeginFamily(_bytes);
            writer.Sample(LabelSet.Empty, snapshot.EstimatedBytes);
            writer.BeginFamily(_evictions);
            writer.Sample(LabelSet.Empty, Math.Max(snapshot.Evictions, _engine.JourneyEvictions));
            writer.BeginFamily(_expirations);
            writer.Sample(LabelSet.Empty, snapshot.Expirations);
            if (snapshot.WatermarkMs != long.MinValue)
            {
                writer.BeginFamily(_snapshotTime);
                writer.Sample(LabelSet.Empty, snapshot.WatermarkMs / 1000d);
            }
        }
    }

    /// <summary>Makes sure every cohort of <paramref name="snapshot"/> has a label set, dropping those of cohorts that left.</summary>
    private void RefreshCohortLabels(JourneySnapshot snapshot)
    {
        if (ReferenceEquals(snapshot, _labelledFor))
            return;
        var labels = new Dictionary<(int, long, bool), LabelSet>();
        var stages = _engine.Funnel.Stages;
        foreach (TransitionSnapshot t in snapshot.Transitions)
        {
            foreach (CohortSnapshot c in t.Cohorts)
            {
                var key = (t.FromStage, c.StartMs, c.Mature);
                if (!_cohortLabels.TryGetValue(key, out LabelSet? set))
                {
                    set = new LabelSet(("from", stages[t.FromStage]), ("to", stages[t.ToStage]),
                        ("cohort", CohortLabel(c.StartMs)), ("mature", c.Mature ? "true" : "false"));
                }
                labels[key] = set;
            }
        }
        _cohortLabels = labels;
        _labelledFor = snapshot;
    }

    /// <summary>A cohort's start as RFC 3339 UTC, e.g. <c>2026-03-02T00:00:00Z</c>.</summary>
    internal static string CohortLabel(long startMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(startMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private void WriteHistogram(MetricsWriter writer, LabelSet labels, HistogramSnapshot h)
    {
        // The snapshot is cumulative; the writer takes per-bucket counts.
        Span<long> buckets = _buckets.AsSpan(0, h.CumulativeCounts.Count);
        long previous = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = h.CumulativeCounts[i] - previous;
            previous = h.CumulativeCounts[i];
        }
        writer.HistogramSample(labels, buckets, h.SumSeconds);
    }
}
