using FunnelStream.Engine.Leakage;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Metrics;

/// <summary>
/// The leakage gauges (docs/metrics.md, "Leakage"): per watched transition and scope, whether a leak is
/// open, the Wilson bounds, the observed rate, the baseline, the threshold and whether the sample is
/// sufficient, from the detector's latest evaluation, labelled with the transition's evidence
/// (<c>rate_source</c>: <c>count</c> or <c>journey</c>). Label sets are cached per transition and scope.
/// Thread-safe: scrapes serialise on a lock of their own; the detector publishes its judgements as an
/// immutable array, so ingest is never blocked.
/// </summary>
internal sealed class LeakageMetricsCollector : IMetricsCollector
{
    private readonly LeakageDetector _detector;
    private readonly MetricFamily _active = MetricFamily.Gauge("funnel_leakage_active", "1 while a leak alert is open for the transition and scope, else 0.");
    private readonly MetricFamily _lower = MetricFamily.Gauge("funnel_conversion_lower_ratio", "Lower bound of the Wilson score interval (configured confidence) of the conversion over the leakage rolling window.");
    private readonly MetricFamily _upper = MetricFamily.Gauge("funnel_conversion_upper_ratio", "Upper bound of the Wilson score interval of the conversion over the leakage rolling window; a leak opens when it is below the threshold.");
    private readonly MetricFamily _observed = MetricFamily.Gauge("funnel_conversion_observed_ratio", "Conversion count(to)/count(from) over the leakage rolling window, as judged.");
    private readonly MetricFamily _baseline = MetricFamily.Gauge("funnel_conversion_baseline_ratio", "The transition's baseline conversion (EWMA or same hour last week), once established.");
    private readonly MetricFamily _threshold = MetricFamily.Gauge("funnel_leakage_threshold_ratio", "The threshold the upper bound is compared with: max(benchmark, baseline x (1 - allowed drop)).");
    private readonly MetricFamily _sufficient = MetricFamily.Gauge("funnel_leakage_sample_sufficient", "1 when the rolling window holds at least the configured minimum of from-stage events, else 0 (no verdict).");
    private readonly MetricFamily _events = MetricFamily.Gauge("funnel_leakage_sample_events", "From-stage events in the leakage rolling window.");
    private readonly MetricFamily _opened = MetricFamily.Counter("funnel_leakage_alerts_opened", "Leak alerts opened since start.");
    private readonly MetricFamily _resolved = MetricFamily.Counter("funnel_leakage_alerts_resolved", "Leak alerts resolved since start.");
    private readonly object _scrape = new();
    private readonly Dictionary<(int Transition, LeakageScope Scope), LabelSet> _labels = [];

    public LeakageMetricsCollector(LeakageDetector detector) => _detector = detector;

    public void Collect(MetricsWriter writer)
    {
        lock (_scrape)
        {
            IReadOnlyList<LeakageGauge> gauges = _detector.Gauges;
            var labels = new LabelSet[gauges.Count];
            for (int i = 0; i < gauges.Count; i++)
                labels[i] = Labels(gauges[i]);

            writer.BeginFamily(_active);
            for (int i = 0; i < gauges.Count; i++)
                writer.Sample(labels[i], gauges[i].Active ? 1L : 0L);
            writer.BeginFamily(_lower);
            for (int i = 0; i < gauges.Count; i++)
            {
                if (gauges[i].FromEvents > 0)
                    writer.Sample(labels[i], gauges[i].Lower);
            }
            writer.BeginFamily(_upper);
            for (int i = 0; i < gauges.Count; i++)
            {
                if (gauges[i].FromEvents > 0)
                    writer.Sample(labels[i], gauges[i].Upper);
            }
            writer.BeginFamily(_observed);
            for (int i = 0; i < gauges.Count; i++)
            {
                if (gauges[i].FromEvents > 0)
                    writer.Sample(labels[i], gauges[i].Rate);
            }
            writer.BeginFamily(_baseline);
            for (int i = 0; i < gauges.Count; i++)
            {
                if (!double.IsNaN(gauges[i].Baseline))
                    writer.Sample(labels[i], gauges[i].Baseline);
            }
            writer.BeginFamily(_threshold);
            for (int i = 0; i < gauges.Count; i++)
            {
                if (!double.IsNaN(gauges[i].Threshold))
                    writer.Sample(labels[i], gauges[i].Threshold);
            }
            writer.BeginFamily(_sufficient);
            for (int i = 0; i < gauges.Count; i++)
                writer.Sample(labels[i], gauges[i].SampleSufficient ? 1L : 0L);
            writer.BeginFamily(_events);
            for (int i = 0; i < gauges.Count; i++)
                writer.Sample(labels[i], gauges[i].FromEvents);
            writer.BeginFamily(_opened);
            writer.Sample(LabelSet.Empty, _detector.AlertsOpened);
            writer.BeginFamily(_resolved);
            writer.Sample(LabelSet.Empty, _detector.AlertsResolved);
        }
    }

    private LabelSet Labels(in LeakageGauge g)
    {
        if (_labels.TryGetValue((g.Transition, g.Scope), out LabelSet? set))
            return set;
        (string from, string to) = _detector.Transitions[g.Transition];
        set = new LabelSet(("from", from), ("to", to), ("scope", g.Scope.Label), ("rate_source", _detector.RateSources[g.Transition]));
        _labels[(g.Transition, g.Scope)] = set;
        return set;
    }
}
