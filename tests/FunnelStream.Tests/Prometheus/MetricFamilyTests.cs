using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class MetricFamilyTests
{
    [Fact]
    public void Header_CounterInText_NamesTotal()
    {
        var family = MetricFamily.Counter("funnel_events", "Funnel events counted.");

        Assert.Equal(
            "# HELP funnel_events_total Funnel events counted.\n# TYPE funnel_events_total counter\n",
            Header(family, ExpositionFormat.PrometheusText004));
        Assert.Equal("funnel_events_total", Encoding.UTF8.GetString(family.SampleName));
    }

    [Fact]
    public void Header_CounterWithUnitInOpenMetrics_NamesFamilyTypeUnitHelp()
    {
        var family = MetricFamily.Counter("funnel_spend_dollars", "Ad spend.", unit: "dollars");

        Assert.Equal(
            "# TYPE funnel_spend_dollars counter\n# UNIT funnel_spend_dollars dollars\n# HELP funnel_spend_dollars Ad spend.\n",
            Header(family, ExpositionFormat.OpenMetrics100));
        Assert.Equal(
            "# HELP funnel_spend_dollars_total Ad spend.\n# TYPE funnel_spend_dollars_total counter\n",
            Header(family, ExpositionFormat.PrometheusText004));
    }

    [Fact]
    public void Header_GaugeAndHistogram_TypeNamedPerFormat()
    {
        var gauge = MetricFamily.Gauge("funnel_conversion_ratio", "Leads per click.", "ratio");
        var histogram = MetricFamily.Histogram("funnel_lead_seconds", "Click to lead.", [1, 10]);

        Assert.Equal("# HELP funnel_conversion_ratio Leads per click.\n# TYPE funnel_conversion_ratio gauge\n", Header(gauge, ExpositionFormat.PrometheusText004));
        Assert.Equal("# TYPE funnel_conversion_ratio gauge\n# UNIT funnel_conversion_ratio ratio\n# HELP funnel_conversion_ratio Leads per click.\n", Header(gauge, ExpositionFormat.OpenMetrics100));
        Assert.Equal("# HELP funnel_lead_seconds Click to lead.\n# TYPE funnel_lead_seconds histogram\n", Header(histogram, ExpositionFormat.PrometheusText004));
        Assert.Equal("# TYPE funnel_lead_seconds histogram\n# HELP funnel_lead_seconds Click to lead.\n", Header(histogram, ExpositionFormat.OpenMetrics100));
    }

    [Fact]
    public void Header_HelpWithBackslashLineFeedQuote_EscapedPerFormat()
    {
        var family = MetricFamily.Gauge("g", "a\\b\nc \"q\" 🚀");

        Assert.Equal("# HELP g a\\\\b\\nc \"q\" 🚀\n# TYPE g gauge\n", Header(family, ExpositionFormat.PrometheusText004));
        Assert.Equal("# TYPE g gauge\n# HELP g a\\\\b\\nc \\\"q\\\" 🚀\n", Header(family, ExpositionFormat.OpenMetrics100));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1funnel")]
    [InlineData("funnel-events")]
    [InlineData("funnel events")]
    [InlineData("fünnel")]
    [InlineData("_funnel")]
    public void Counter_InvalidName_ThrowsNamingIt(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => MetricFamily.Counter(name, "help"));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void Gauge_NameWithColon_Accepted()
    {
        Assert.Equal("job:funnel_events:rate5m", MetricFamily.Gauge("job:funnel_events:rate5m", "A recorded rate.").Name);
    }

    [Fact]
    public void Counter_NameEndingInTotal_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => MetricFamily.Counter("funnel_events_total", "help"));
        Assert.Contains("without '_total'", error.Message);
    }

    [Fact]
    public void Gauge_UnitNotNameSuffix_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => MetricFamily.Gauge("funnel_lead_time", "help", "seconds"));
        Assert.Contains("must end with '_seconds'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sec onds")]
    [InlineData("sec-onds")]
    public void Gauge_InvalidUnit_Throws(string unit)
    {
        var error = Assert.Throws<ArgumentException>(() => MetricFamily.Gauge("funnel_seconds", "help", unit));
        Assert.Contains("not a valid unit", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Gauge_EmptyHelp_Throws(string help)
    {
        Assert.Throws<ArgumentException>(() => MetricFamily.Gauge("funnel_windows", help));
    }

    [Fact]
    public void Gauge_HelpWithLoneSurrogate_Throws()
    {
        Assert.Throws<ArgumentException>(() => MetricFamily.Gauge("funnel_windows", "bad \uDC00"));
    }

    [Theory]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 2.0, 1.0 })]
    [InlineData(new[] { -1.0, 1.0 })]
    [InlineData(new[] { double.NaN })]
    [InlineData(new[] { double.NegativeInfinity, 1.0 })]
    [InlineData(new[] { 1.0, double.PositiveInfinity, 2.0 })]
    public void Histogram_InvalidBounds_Throws(double[] bounds)
    {
        Assert.Throws<ArgumentException>(() => MetricFamily.Histogram("funnel_lead_seconds", "help", bounds));
    }

    [Fact]
    public void Histogram_TrailingInfinity_SameAsImplicit()
    {
        var family = MetricFamily.Histogram("funnel_lead_seconds", "help", [0.5, 1, double.PositiveInfinity]);

        Assert.Equal([0.5, 1.0], family.UpperBounds.ToArray());
        Assert.Equal(3, family.BucketCount);
        Assert.Equal("le=\"0.5\"}", Encoding.UTF8.GetString(family.BucketLabel(0)));
        Assert.Equal("le=\"1.0\"}", Encoding.UTF8.GetString(family.BucketLabel(1)));
        Assert.Equal("le=\"+Inf\"}", Encoding.UTF8.GetString(family.BucketLabel(2)));
    }

    [Fact]
    public void Histogram_NoBounds_OnlyInfBucket()
    {
        var family = MetricFamily.Histogram("funnel_lead_seconds", "help", []);

        Assert.Equal(1, family.BucketCount);
        Assert.Equal("le=\"+Inf\"}", Encoding.UTF8.GetString(family.BucketLabel(0)));
    }

    [Fact]
    public void Properties_AsGiven()
    {
        var family = MetricFamily.Counter("funnel_spend_dollars", "Ad spend.", "dollars");

        Assert.Equal("funnel_spend_dollars", family.Name);
        Assert.Equal("Ad spend.", family.Help);
        Assert.Equal(MetricType.Counter, family.Type);
        Assert.Equal("dollars", family.Unit);
        Assert.Equal(0, family.BucketCount);
        Assert.Null(MetricFamily.Gauge("g", "h").Unit);
    }

    private static string Header(MetricFamily family, ExpositionFormat format) => Encoding.UTF8.GetString(family.Header(format));
}
