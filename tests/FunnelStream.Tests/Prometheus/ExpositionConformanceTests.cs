using System.Buffers;
using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

// Which tool validates which format, and why:
//
// - Text format 0.0.4 is checked by the real `promtool check metrics` of Debian's `prometheus`
//   package (2.42), run as a process with the exposition on stdin. It parses with the Go text parser
//   Prometheus itself scrapes 0.0.4 with (prometheus/common expfmt) and then lints (promlint: help
//   text, counter `_total` suffix, units, reserved suffixes, camelCase...). A test fails on ANY output
//   from it, lint complaints included, or a non-zero exit. The Python client's lax 0.0.4 parser is
//   also used, only to prove that escaped label values decode back to the original strings.
//
// - OpenMetrics 1.0 cannot be checked by promtool 2.42: `check metrics` knows only the 0.0.4 text
//   parser. It reads `# UNIT` and `# EOF` as comments and, because an OpenMetrics counter's metadata
//   names `foo` while its samples are `foo_total`, it answers a valid OpenMetrics exposition with
//   "foo_total no help text" and exit 3 (tried by hand on 2.42.0+ds-5+deb12u1). So OpenMetrics is
//   checked by the reference parser of the Python client,
//   `prometheus_client.openmetrics.parser.text_string_to_metric_families`, from Debian's
//   `python3-prometheus-client` run by /usr/bin/python3. It enforces `# EOF`, metadata before
//   samples, no interleaved or clashing families, units as name suffixes, histogram buckets in
//   order with `+Inf` equal to `_count`, integer bucket counts, non-negative non-NaN counter-like
//   samples, and unique label names.
//
// Both tools are required: ./test.sh installs them (scripts/setup.sh). A missing tool fails the test
// with the Debian package to install; it never skips.
public class ExpositionConformanceTests
{
    [Fact]
    public async Task PrometheusText_RealisticExposition_PromtoolReportsNothing()
    {
        byte[] exposition = Expose(new FunnelCollector(campaigns: 40), ExpositionFormat.PrometheusText004);

        ReferenceTools.ToolResult result = await ReferenceTools.PromtoolCheckMetricsAsync(exposition);

        Assert.True(result.ExitCode == 0 && result.Stdout.Length == 0 && result.Stderr.Length == 0, $"promtool check metrics complained:\n{result}");
    }

    [Fact]
    public async Task PrometheusText_TrickyLabelValues_DecodeToOriginalStrings()
    {
        var collector = new FunnelCollector(campaigns: FunnelCollector.TrickyCampaigns.Length);
        byte[] exposition = Expose(collector, ExpositionFormat.PrometheusText004);

        List<ReferenceTools.ParsedFamily> families = await ReferenceTools.PythonParseAsync(exposition, openMetrics: false);

        ReferenceTools.ParsedFamily spend = families.Single(f => f.Name == "funnel_spend_dollars");
        Assert.Equal(FunnelCollector.SpendHelp, spend.Help);
        Assert.Equal(collector.Campaigns, spend.Samples.Select(s => s.Labels["campaign"]));
        Assert.Equal(collector.SampleLines, families.Sum(f => f.Samples.Count));
    }

    [Fact]
    public async Task OpenMetrics_RealisticExposition_ReferenceParserAcceptsEveryFamily()
    {
        var collector = new FunnelCollector(campaigns: 40);
        byte[] exposition = Expose(collector, ExpositionFormat.OpenMetrics100);

        List<ReferenceTools.ParsedFamily> families = await ReferenceTools.PythonParseAsync(exposition, openMetrics: true);

        Assert.Equal(
            [
                ("funnel_events", "counter", ""),
                ("funnel_spend_dollars", "counter", "dollars"),
                ("funnel_conversion_ratio", "gauge", "ratio"),
                ("funnel_cost_per_lead_dollars", "gauge", "dollars"),
                ("funnel_budget_remaining_dollars", "gauge", "dollars"),
                ("funnel_windows_open", "gauge", ""),
                ("funnel_lead_to_deal_seconds", "histogram", "seconds"),
                ("funnel_event_lag_seconds", "histogram", "seconds"),
            ],
            families.Select(f => (f.Name, f.Type, f.Unit)));
        Assert.Equal(collector.SampleLines, families.Sum(f => f.Samples.Count));
    }

    [Fact]
    public async Task OpenMetrics_TrickyLabelValuesAndHelp_DecodeToOriginalStrings()
    {
        var collector = new FunnelCollector(campaigns: FunnelCollector.TrickyCampaigns.Length);
        byte[] exposition = Expose(collector, ExpositionFormat.OpenMetrics100);

        List<ReferenceTools.ParsedFamily> families = await ReferenceTools.PythonParseAsync(exposition, openMetrics: true);

        ReferenceTools.ParsedFamily spend = families.Single(f => f.Name == "funnel_spend_dollars");
        Assert.Equal(FunnelCollector.SpendHelp, spend.Help);
        Assert.Equal(collector.Campaigns, spend.Samples.Select(s => s.Labels["campaign"]));
        ReferenceTools.ParsedFamily events = families.Single(f => f.Name == "funnel_events");
        Assert.Equal(
            collector.Campaigns.SelectMany(c => FunnelCollector.Stages.Select(s => (s, c))),
            events.Samples.Select(s => (s.Labels["stage"], s.Labels["campaign"])));
        Assert.Equal(
            ["NaN", "0.011", "0.021", "0.031", "0.041", "NaN"],
            families.Single(f => f.Name == "funnel_conversion_ratio").Samples.Take(6).Select(s => s.Value));
        Assert.Equal(
            ["0.001", "0.01", "0.1", "1.0", "10.0", "+Inf", "", ""],
            families.Single(f => f.Name == "funnel_event_lag_seconds").Samples.Select(s => s.Labels.GetValueOrDefault("le", "")));
    }

    [Fact]
    public async Task TenThousandSeries_BothFormats_ToolsParseEverySampleLine()
    {
        const int campaigns = 2500; // x 4 stages = 10,000 series
        var collector = new WideCounterCollector(campaigns);
        byte[] text = Expose(collector, ExpositionFormat.PrometheusText004);
        byte[] openMetrics = Expose(collector, ExpositionFormat.OpenMetrics100);

        Assert.Equal(10_000, SampleLineCount(text));
        Assert.Equal(10_000, SampleLineCount(openMetrics));

        ReferenceTools.ToolResult promtool = await ReferenceTools.PromtoolCheckMetricsAsync(text, extended: true);
        Assert.True(promtool.ExitCode == 0 && promtool.Stderr.Length == 0, $"promtool check metrics complained:\n{promtool}");
        string total = promtool.Stdout.Split('\n').Single(line => line.StartsWith("Total", StringComparison.Ordinal));
        Assert.Equal(["Total", "10000", "100%"], total.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        List<ReferenceTools.ParsedFamily> families = await ReferenceTools.PythonParseAsync(openMetrics, openMetrics: true);
        Assert.Equal(10_000, families.Single().Samples.Count);
        Assert.Equal(10_000, families.Single().Samples.Select(s => (s.Labels["stage"], s.Labels["campaign"])).Distinct().Count());
    }

    private static byte[] Expose(IMetricsCollector collector, ExpositionFormat format)
    {
        var registry = new MetricsRegistry();
        registry.Register(collector);
        var output = new ArrayBufferWriter<byte>();
        registry.WriteTo(output, format);
        return output.WrittenSpan.ToArray();
    }

    private static int SampleLineCount(byte[] exposition) =>
        Encoding.UTF8.GetString(exposition).Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => !line.StartsWith('#'));

    private sealed class WideCounterCollector : IMetricsCollector
    {
        private static readonly MetricFamily Events = MetricFamily.Counter("funnel_events", "Funnel events counted, by stage and campaign.");
        private readonly LabelSet[] _series;

        public WideCounterCollector(int campaigns)
        {
            _series = new LabelSet[campaigns * FunnelCollector.Stages.Length];
            for (int c = 0; c < campaigns; c++)
            {
                for (int s = 0; s < FunnelCollector.Stages.Length; s++)
                    _series[c * FunnelCollector.Stages.Length + s] = new LabelSet(("stage", FunnelCollector.Stages[s]), ("campaign", $"campaign \"{c:D5}\" \\ 🚀"));
            }
        }

        public void Collect(MetricsWriter writer)
        {
            writer.BeginFamily(Events);
            for (int i = 0; i < _series.Length; i++)
                writer.Sample(_series[i], i * 3L);
        }
    }
}
