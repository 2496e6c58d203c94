using System.Buffers;
using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class MetricsWriterTests
{
    private static readonly MetricFamily Events = MetricFamily.Counter("funnel_events", "Funnel events counted.");
    private static readonly MetricFamily Ratio = MetricFamily.Gauge("funnel_conversion_ratio", "Leads per click.", "ratio");
    private static readonly MetricFamily LeadTime = MetricFamily.Histogram("funnel_lead_seconds", "Click to lead.", [0.5, 1, 1e6], "seconds");
    private static readonly LabelSet Click = new(("stage", "click"), ("campaign", "spring"));

    [Fact]
    public void Sample_CounterInText_TotalSamplesAfterHelpAndType()
    {
        string text = Write(ExpositionFormat.PrometheusText004, w =>
        {
            w.BeginFamily(Events);
            w.Sample(Click, 3L);
            w.Sample(LabelSet.Empty, 7.5);
            w.Finish();
        });

        Assert.Equal(
            "# HELP funnel_events_total Funnel events counted.\n" +
            "# TYPE funnel_events_total counter\n" +
            "funnel_events_total{stage=\"click\",campaign=\"spring\"} 3\n" +
            "funnel_events_total 7.5\n",
            text);
    }

    [Fact]
    public void Sample_CounterInOpenMetrics_FamilyMetadataTotalSamplesAndEof()
    {
        string text = Write(ExpositionFormat.OpenMetrics100, w =>
        {
            w.BeginFamily(Events);
            w.Sample(Click, 3L);
            w.Sample(LabelSet.Empty, 7.0);
            w.Finish();
        });

        Assert.Equal(
            "# TYPE funnel_events counter\n" +
            "# HELP funnel_events Funnel events counted.\n" +
            "funnel_events_total{stage=\"click\",campaign=\"spring\"} 3\n" +
            "funnel_events_total 7.0\n" +
            "# EOF\n",
            text);
    }

    [Fact]
    public void Sample_GaugeSpecialValues_NaNAndSignedInf()
    {
        string Gauges(ExpositionFormat format) => Write(format, w =>
        {
            w.BeginFamily(Ratio);
            w.Sample(new LabelSet(("campaign", "a")), double.NaN);
            w.Sample(new LabelSet(("campaign", "b")), double.PositiveInfinity);
            w.Sample(new LabelSet(("campaign", "c")), double.NegativeInfinity);
            w.Sample(new LabelSet(("campaign", "d")), 0.25);
            w.Sample(new LabelSet(("campaign", "e")), -2L);
            w.Sample(new LabelSet(("campaign", "f")), 1e-7);
            w.Finish();
        });

        const string samples =
            "funnel_conversion_ratio{campaign=\"a\"} NaN\n" +
            "funnel_conversion_ratio{campaign=\"b\"} +Inf\n" +
            "funnel_conversion_ratio{campaign=\"c\"} -Inf\n" +
            "funnel_conversion_ratio{campaign=\"d\"} 0.25\n" +
            "funnel_conversion_ratio{campaign=\"e\"} -2\n" +
            "funnel_conversion_ratio{campaign=\"f\"} 1e-07\n";
        Assert.Equal(
            "# HELP funnel_conversion_ratio Leads per click.\n# TYPE funnel_conversion_ratio gauge\n" + samples,
            Gauges(ExpositionFormat.PrometheusText004));
        Assert.Equal(
            "# TYPE funnel_conversion_ratio gauge\n# UNIT funnel_conversion_ratio ratio\n# HELP funnel_conversion_ratio Leads per click.\n" + samples + "# EOF\n",
            Gauges(ExpositionFormat.OpenMetrics100));
    }

    [Fact]
    public void Sample_EscapedLabelValuesAndHelp_ExactBytesInBothFormats()
    {
        var family = MetricFamily.Gauge("funnel_budget_dollars", "Budget \"left\" in C:\\ads\nper campaign.", "dollars");
        var labels = new LabelSet(("campaign", "say \"hi\" \\ 🚀\nnext"));

        string text = Write(ExpositionFormat.PrometheusText004, w => { w.BeginFamily(family); w.Sample(labels, 12L); w.Finish(); });
        string openMetrics = Write(ExpositionFormat.OpenMetrics100, w => { w.BeginFamily(family); w.Sample(labels, 12L); w.Finish(); });

        Assert.Equal(
            "# HELP funnel_budget_dollars Budget \"left\" in C:\\\\ads\\nper campaign.\n" +
            "# TYPE funnel_budget_dollars gauge\n" +
            "funnel_budget_dollars{campaign=\"say \\\"hi\\\" \\\\ 🚀\\nnext\"} 12\n",
            text);
        Assert.Equal(
            "# TYPE funnel_budget_dollars gauge\n" +
            "# UNIT funnel_budget_dollars dollars\n" +
            "# HELP funnel_budget_dollars Budget \\\"left\\\" in C:\\\\ads\\nper campaign.\n" +
            "funnel_budget_dollars{campaign=\"say \\\"hi\\\" \\\\ 🚀\\nnext\"} 12\n" +
            "# EOF\n",
            openMetrics);
    }

    [Fact]
    public void HistogramSample_OpenMetrics_CumulativeBucketsCanonicalLeSumCount()
    {
        string text = Write(ExpositionFormat.OpenMetrics100, w =>
        {
            w.BeginFamily(LeadTime);
            w.HistogramSample(new LabelSet(("campaign", "spring")), [1, 2, 0, 1], 2000003.5);
            w.HistogramSample(LabelSet.Empty, [0, 0, 0, 0], 0);
            w.Finish();
        });

        Assert.Equal(
            "# TYPE funnel_lead_seconds histogram\n" +
            "# UNIT funnel_lead_seconds seconds\n" +
            "# HELP funnel_lead_seconds Click to lead.\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"0.5\"} 1\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"1.0\"} 3\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"1e+06\"} 3\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"+Inf\"} 4\n" +
            "funnel_lead_seconds_sum{campaign=\"spring\"} 2000003.5\n" +
            "funnel_lead_seconds_count{campaign=\"spring\"} 4\n" +
            "funnel_lead_seconds_bucket{le=\"0.5\"} 0\n" +
            "funnel_lead_seconds_bucket{le=\"1.0\"} 0\n" +
            "funnel_lead_seconds_bucket{le=\"1e+06\"} 0\n" +
            "funnel_lead_seconds_bucket{le=\"+Inf\"} 0\n" +
            "funnel_lead_seconds_sum 0.0\n" +
            "funnel_lead_seconds_count 0\n" +
            "# EOF\n",
            text);
    }

    [Fact]
    public void HistogramSample_Text_SameLinesWithoutUnitOrEof()
    {
        string text = Write(ExpositionFormat.PrometheusText004, w =>
        {
            w.BeginFamily(LeadTime);
            w.HistogramSample(new LabelSet(("campaign", "spring")), [1, 2, 0, 1], 3);
            w.Finish();
        });

        Assert.Equal(
            "# HELP funnel_lead_seconds Click to lead.\n" +
            "# TYPE funnel_lead_seconds histogram\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"0.5\"} 1\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"1.0\"} 3\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"1e+06\"} 3\n" +
            "funnel_lead_seconds_bucket{campaign=\"spring\",le=\"+Inf\"} 4\n" +
            "funnel_lead_seconds_sum{campaign=\"spring\"} 3\n" +
            "funnel_lead_seconds_count{campaign=\"spring\"} 4\n",
            text);
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004, "")]
    [InlineData(ExpositionFormat.OpenMetrics100, "# EOF\n")]
    public void Finish_NothingWritten_EofOnlyInOpenMetrics(ExpositionFormat format, string expected)
    {
        Assert.Equal(expected, Write(format, w => w.Finish()));
    }

    [Fact]
    public void BeginFamily_WithoutSamples_MetadataOnly()
    {
        Assert.Equal(
            "# TYPE funnel_events counter\n# HELP funnel_events Funnel events counted.\n# EOF\n",
            Write(ExpositionFormat.OpenMetrics100, w => { w.BeginFamily(Events); w.Finish(); }));
    }

    [Fact]
    public void Sample_BeforeBeginFamily_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.PrometheusText004);
        Assert.Throws<InvalidOperationException>(() => writer.Sample(Click, 1L));
    }

    [Fact]
    public void BeginFamily_SameFamilyTwice_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.OpenMetrics100);
        writer.BeginFamily(Events);
        writer.BeginFamily(Ratio);

        var error = Assert.Throws<InvalidOperationException>(() => writer.BeginFamily(MetricFamily.Counter("funnel_events", "Other instance, same name.")));
        Assert.Contains("'funnel_events'", error.Message);
    }

    [Fact]
    public void BeginFamily_GaugeClashingWithCounterSamples_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.OpenMetrics100);
        writer.BeginFamily(Events);

        Assert.Throws<InvalidOperationException>(() => writer.BeginFamily(MetricFamily.Gauge("funnel_events_created", "Clashes with the counter's _created.")));
        Assert.Throws<InvalidOperationException>(() => writer.BeginFamily(MetricFamily.Gauge("funnel_events_total", "Clashes with the counter's samples.")));
    }

    [Fact]
    public void Sample_CounterNegativeOrNaN_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.PrometheusText004);
        writer.BeginFamily(Events);

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Sample(Click, -1L));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Sample(Click, -0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Sample(Click, double.NaN));
    }

    [Fact]
    public void Sample_OnHistogramFamily_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.PrometheusText004);
        writer.BeginFamily(LeadTime);

        Assert.Throws<InvalidOperationException>(() => writer.Sample(Click, 1.0));
    }

    [Fact]
    public void HistogramSample_OnGaugeFamily_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.PrometheusText004);
        writer.BeginFamily(Ratio);

        Assert.Throws<InvalidOperationException>(() => writer.HistogramSample(Click, [1], 1));
    }

    [Fact]
    public void HistogramSample_InvalidArguments_Throw()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.OpenMetrics100);
        writer.BeginFamily(LeadTime);

        Assert.Throws<ArgumentException>(() => writer.HistogramSample(Click, [1, 2, 3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.HistogramSample(Click, [1, -2, 3, 0], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.HistogramSample(Click, [1, 2, 3, 0], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.HistogramSample(Click, [1, 2, 3, 0], double.NaN));
        Assert.Throws<ArgumentException>(() => writer.HistogramSample(new LabelSet(("le", "1")), [1, 2, 3, 0], 1));
    }

    [Fact]
    public void Finish_ThenWrite_Throws()
    {
        var writer = new MetricsWriter(new ArrayBufferWriter<byte>(), ExpositionFormat.OpenMetrics100);
        writer.Finish();

        Assert.Throws<InvalidOperationException>(() => writer.BeginFamily(Events));
        Assert.Throws<InvalidOperationException>(() => writer.Sample(Click, 1L));
        Assert.Throws<InvalidOperationException>(() => writer.Finish());
    }

    [Fact]
    public void Sample_TinyBufferSegments_LinesIntact()
    {
        var output = new SmallSegmentsWriter();
        var writer = new MetricsWriter(output, ExpositionFormat.PrometheusText004);
        writer.BeginFamily(Events);
        for (int i = 0; i < 100; i++)
            writer.Sample(Click, (long)i);
        writer.Finish();

        string[] lines = Encoding.UTF8.GetString(output.Written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(102, lines.Length);
        Assert.Equal("funnel_events_total{stage=\"click\",campaign=\"spring\"} 99", lines[^1]);
    }

    internal static string Write(ExpositionFormat format, Action<MetricsWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new MetricsWriter(output, format));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    // Hands out spans exactly as large as asked for, so every line must fit the size it requested.
    private sealed class SmallSegmentsWriter : IBufferWriter<byte>
    {
        private byte[] _current = [];

        public List<byte> Written { get; } = [];

        public void Advance(int count) => Written.AddRange(_current.AsSpan(0, count));

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(1, sizeHint)];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
