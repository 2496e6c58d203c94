using System.Buffers;
using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class MetricsRegistryTests
{
    [Fact]
    public void WriteTo_TwoCollectors_RegistrationOrderThenEof()
    {
        var registry = new MetricsRegistry();
        registry.Register(new GaugeCollector("b_gauge", 2));
        registry.Register(new GaugeCollector("a_gauge", 1));

        Assert.Equal(
            "# TYPE b_gauge gauge\n# HELP b_gauge A gauge.\nb_gauge 2\n" +
            "# TYPE a_gauge gauge\n# HELP a_gauge A gauge.\na_gauge 1\n" +
            "# EOF\n",
            Write(registry, ExpositionFormat.OpenMetrics100));
        Assert.Equal(
            "# HELP b_gauge A gauge.\n# TYPE b_gauge gauge\nb_gauge 2\n" +
            "# HELP a_gauge A gauge.\n# TYPE a_gauge gauge\na_gauge 1\n",
            Write(registry, ExpositionFormat.PrometheusText004));
    }

    [Fact]
    public void WriteTo_NoCollectors_EmptyExposition()
    {
        var registry = new MetricsRegistry();

        Assert.Equal("# EOF\n", Write(registry, ExpositionFormat.OpenMetrics100));
        Assert.Equal("", Write(registry, ExpositionFormat.PrometheusText004));
    }

    [Fact]
    public void Register_SameCollectorTwice_Throws()
    {
        var registry = new MetricsRegistry();
        var collector = new GaugeCollector("a_gauge", 1);
        registry.Register(collector);

        Assert.Throws<ArgumentException>(() => registry.Register(collector));
    }

    [Fact]
    public void WriteTo_TwoCollectorsWriteSameFamilyName_ThrowsNamingIt()
    {
        var registry = new MetricsRegistry();
        registry.Register(new GaugeCollector("a_gauge", 1));
        registry.Register(new GaugeCollector("a_gauge", 2));

        var error = Assert.Throws<InvalidOperationException>(() => Write(registry, ExpositionFormat.OpenMetrics100));
        Assert.Contains("'a_gauge'", error.Message);
    }

    [Fact]
    public void WriteTo_CollectorCallsFinish_Throws()
    {
        var registry = new MetricsRegistry();
        registry.Register(new FinishingCollector());

        Assert.Throws<InvalidOperationException>(() => Write(registry, ExpositionFormat.OpenMetrics100));
    }

    [Fact]
    public void WriteTo_AfterAFailedScrape_NextScrapeStartsClean()
    {
        var registry = new MetricsRegistry();
        var flaky = new FlakyCollector();
        registry.Register(flaky);

        Assert.Throws<InvalidOperationException>(() => Write(registry, ExpositionFormat.OpenMetrics100));
        flaky.Fail = false;

        Assert.Equal("# TYPE flaky gauge\n# HELP flaky Fails on demand.\nflaky 1\n# EOF\n", Write(registry, ExpositionFormat.OpenMetrics100));
    }

    [Fact]
    public void WriteTo_ConcurrentScrapesAndRegistrations_EachExpositionComplete()
    {
        var registry = new MetricsRegistry();
        registry.Register(new FunnelCollector(campaigns: 50));
        string expectedText = Write(registry, ExpositionFormat.PrometheusText004);
        string expectedOpenMetrics = Write(registry, ExpositionFormat.OpenMetrics100);

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            ExpositionFormat format = i % 2 == 0 ? ExpositionFormat.PrometheusText004 : ExpositionFormat.OpenMetrics100;
            Assert.Equal(format == ExpositionFormat.PrometheusText004 ? expectedText : expectedOpenMetrics, Write(registry, format));
        });

        registry.Register(new GaugeCollector("late_gauge", 1));
        Assert.EndsWith("late_gauge 1\n# EOF\n", Write(registry, ExpositionFormat.OpenMetrics100));
    }

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText004)]
    [InlineData(ExpositionFormat.OpenMetrics100)]
    public void WriteTo_SteadyState_AllocatesNothing(ExpositionFormat format)
    {
        var registry = new MetricsRegistry();
        registry.Register(new FunnelCollector(campaigns: 100));
        var output = new ArrayBufferWriter<byte>(1 << 20);
        for (int i = 0; i < 50; i++)
        {
            output.ResetWrittenCount();
            registry.WriteTo(output, format);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            output.ResetWrittenCount();
            registry.WriteTo(output, format);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    internal static string Write(MetricsRegistry registry, ExpositionFormat format)
    {
        var output = new ArrayBufferWriter<byte>();
        registry.WriteTo(output, format);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private sealed class GaugeCollector(string name, long value) : IMetricsCollector
    {
        private readonly MetricFamily _family = MetricFamily.Gauge(name, "A gauge.");

        public void Collect(MetricsWriter writer)
        {
            writer.BeginFamily(_family);
            writer.Sample(LabelSet.Empty, value);
        }
    }

    private sealed class FinishingCollector : IMetricsCollector
    {
        public void Collect(MetricsWriter writer) => writer.Finish();
    }

    private sealed class FlakyCollector : IMetricsCollector
    {
        private readonly MetricFamily _family = MetricFamily.Gauge("flaky", "Fails on demand.");

        public bool Fail { get; set; } = true;

        public void Collect(MetricsWriter writer)
        {
            writer.BeginFamily(_family);
            writer.Sample(LabelSet.Empty, 1L);
            if (Fail)
                throw new InvalidOperationException("collector failed");
        }
    }
}
