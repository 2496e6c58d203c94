using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

/// <summary>
/// A realistic collector for tests: counters (one with a unit), gauges with NaN, ±Inf, negative and
/// label-less values, and histograms with and without labels, over campaigns whose names need every
/// kind of escaping. Everything is precomputed, as a real collector's series would be.
/// </summary>
internal sealed class FunnelCollector : IMetricsCollector
{
    public const string SpendHelp = "Ad spend in \"dollars\" per campaign, from spend reports (C:\\reports\\*.csv).\nSummed since start.";

    public static readonly string[] Stages = ["impression", "click", "lead", "deal"];

    public static readonly string[] TrickyCampaigns =
    [
        "spring",
        "say \"hi\"",
        "C:\\promo\\new",
        "two\nlines",
        "literal \\n, not a line feed",
        "ends with a backslash\\",
        "🚀 launch — Frühling 日本",
        "cr\rtab\tnul\0",
        "{braces}=,\"commas\"",
        "",
    ];

    private static readonly MetricFamily Events = MetricFamily.Counter("funnel_events", "Funnel events counted, by stage and campaign.");
    private static readonly MetricFamily Spend = MetricFamily.Counter("funnel_spend_dollars", SpendHelp, "dollars");
    private static readonly MetricFamily Conversion = MetricFamily.Gauge("funnel_conversion_ratio", "Leads per click in the current window; NaN without clicks.", "ratio");
    private static readonly MetricFamily CostPerLead = MetricFamily.Gauge("funnel_cost_per_lead_dollars", "Spend per lead in the current window; +Inf with spend but no leads.", "dollars");
    private static readonly MetricFamily Budget = MetricFamily.Gauge("funnel_budget_remaining_dollars", "Budget left; negative when overspent, -Inf when unbounded overspend.", "dollars");
    private static readonly MetricFamily WindowsOpen = MetricFamily.Gauge("funnel_windows_open", "Event-time windows currently open.");
    private static readonly MetricFamily LeadToDeal = MetricFamily.Histogram("funnel_lead_to_deal_seconds", "Time from lead to won deal.", [60, 600, 3600, 86400, 604800], "seconds");
    private static readonly MetricFamily EventLag = MetricFamily.Histogram("funnel_event_lag_seconds", "Ingest time minus event time.", [0.001, 0.01, 0.1, 1, 10], "seconds");

    private readonly LabelSet[] _campaignLabels;
    private readonly LabelSet[] _stageLabels;
    private readonly long[][] _leadToDealCounts;
    private readonly long[] _eventLagCounts = [5, 40, 300, 12, 3, 1];

    /// <param name="campaigns">How many campaigns: the tricky ones first, then plain <c>campaign_N</c>.</param>
    public FunnelCollector(int campaigns)
    {
        Campaigns = new string[campaigns];
        for (int i = 0; i < campaigns; i++)
            Campaigns[i] = i < TrickyCampaigns.Length ? TrickyCampaigns[i] : $"campaign_{i:D4}";
        _campaignLabels = new LabelSet[campaigns];
        _stageLabels = new LabelSet[campaigns * Stages.Length];
        _leadToDealCounts = new long[campaigns][];
        for (int c = 0; c < campaigns; c++)
        {
            _campaignLabels[c] = new LabelSet(("campaign", Campaigns[c]));
            for (int s = 0; s < Stages.Length; s++)
                _stageLabels[c * Stages.Length + s] = new LabelSet(("stage", Stages[s]), ("campaign", Campaigns[c]));
            _leadToDealCounts[c] = [c % 3, c % 5, 7, c, 0, c % 2];
        }
    }

    public string[] Campaigns { get; }

    /// <summary>Sample lines this collector writes (bucket, sum and count lines each count).</summary>
    public int SampleLines => (Stages.Length + 4 + 8) * Campaigns.Length + 1 + 8;

    public void Collect(MetricsWriter writer)
    {
        writer.BeginFamily(Events);
        for (int i = 0; i < _stageLabels.Length; i++)
            writer.Sample(_stageLabels[i], i * 7L);

        writer.BeginFamily(Spend);
        for (int c = 0; c < _campaignLabels.Length; c++)
            writer.Sample(_campaignLabels[c], c * 12.25 + 0.1);

        writer.BeginFamily(Conversion);
        for (int c = 0; c < _campaignLabels.Length; c++)
            writer.Sample(_campaignLabels[c], c % 5 == 0 ? double.NaN : c % 100 / 100.0 + 0.001);

        writer.BeginFamily(CostPerLead);
        for (int c = 0; c < _campaignLabels.Length; c++)
            writer.Sample(_campaignLabels[c], c % 7 == 0 ? double.PositiveInfinity : c * 1.5);

        writer.BeginFamily(Budget);
        for (int c = 0; c < _campaignLabels.Length; c++)
            writer.Sample(_campaignLabels[c], c % 11 == 0 ? double.NegativeInfinity : 1000 - c * 3.5);

        writer.BeginFamily(WindowsOpen);
        writer.Sample(LabelSet.Empty, 3L);

        writer.BeginFamily(LeadToDeal);
        for (int c = 0; c < _campaignLabels.Length; c++)
            writer.HistogramSample(_campaignLabels[c], _leadToDealCounts[c], c * 3600.5);

        writer.BeginFamily(EventLag);
        writer.HistogramSample(LabelSet.Empty, _eventLagCounts, 123.456);
    }
}
