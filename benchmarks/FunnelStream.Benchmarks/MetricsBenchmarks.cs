using System.Buffers;
using BenchmarkDotNet.Attributes;
using FunnelStream.Configuration;
using FunnelStream.Engine;
using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Metrics;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Benchmarks;

/// <summary>
/// One <c>/metrics</c> scrape rendered by the worker's collectors (engine + ingest) into a reused
/// buffer, at about 1k and 10k series (sample lines). Results are per scrape.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private MetricsRegistry _registry = null!;

    /// <summary>Target number of sample lines; the actual count is printed at setup.</summary>
    [Params(1_000, 10_000)]
    public int Series { get; set; }

    [Params(ExpositionFormat.PrometheusText004)]
    public ExpositionFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_registry, int lines) = Build(Series);
        Console.WriteLine($"// {lines} sample lines, {Render(_registry, _output, Format)} bytes");
    }

    [Benchmark]
    public int Render() => Render(_registry, _output, Format);

    private static int Render(MetricsRegistry registry, ArrayBufferWriter<byte> output, ExpositionFormat format)
    {
        output.ResetWrittenCount();
        registry.WriteTo(output, format);
        return output.WrittenCount;
    }

    /// <summary>A worker's registry whose engine has enough breakdown slots for about <paramref name="series"/> sample lines.</summary>
    internal static (MetricsRegistry Registry, int Lines) Build(int series)
    {
        ResolvedSettings settings = ResolvedSettings.From(new FunnelStreamOptions());
        FunnelDefinition funnel = settings.Funnel;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 10_000)).ToArray();
        var engine = new FunnelEngine(funnel, settings.Engine, interners);
        var registry = new MetricsRegistry();
        registry.Register(new EngineMetricsCollector(engine, settings.Engine.RollingWindows));
        registry.Register(new IngestMetricsCollector(new IngestStats()));
        var output = new ArrayBufferWriter<byte>();
        long ts = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        ulong id = 1;
        int campaign = 0;
        while (true)
        {
            for (int k = 0; k < 10; k++, campaign++)
            {
                var e = new FunnelEvent { TimestampMs = ts, Stage = (byte)(campaign % funnel.Stages.Count), CostMicros = 1_500_000 };
                for (int d = 0; d < funnel.Dimensions.Count; d++)
                    e.Dimensions[d] = interners[d].Intern(d == 0 ? $"campaign-{campaign}" : $"v{campaign % 3}");
                e.IdHash = id++;
                engine.Process(e);
            }
            output.ResetWrittenCount();
            registry.WriteTo(output, ExpositionFormat.PrometheusText004);
            int lines = System.Text.Encoding.UTF8.GetString(output.WrittenSpan).Split('\n').Count(l => l.Length > 0 && l[0] != '#');
            if (lines >= series)
                return (registry, lines);
        }
    }
}
