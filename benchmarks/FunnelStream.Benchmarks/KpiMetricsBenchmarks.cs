using System.Buffers;
using BenchmarkDotNet.Attributes;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Benchmarks;

/// <summary>
/// One scrape of the KPI gauges (<see cref="KpiMetricsCollector"/>): three rolling windows (5m, 1h,
/// 24h), each summed from the 48 h minute ring twice (the window and the one before it), the whole
/// catalog evaluated and written. The ring is full (an event every minute for 48 h). Results are per scrape.
/// </summary>
[MemoryDiagnoser]
public class KpiMetricsBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 16);
    private MetricsRegistry _registry = null!;

    [GlobalSetup]
    public void Setup()
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        var options = new EngineOptions();
        var engine = new FunnelEngine(funnel, options, interners);
        long ts = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        ulong id = 1;
        for (int minute = 0; minute < 48 * 60; minute++)
        {
            for (int s = 0; s < funnel.Stages.Count; s++)
            {
                var e = new FunnelEvent { TimestampMs = ts + minute * 60_000L, Stage = (byte)s, CostMicros = 1_000_000, AmountMicros = 5_000_000, IdHash = id++ };
                engine.Process(e);
            }
        }
        _registry = new MetricsRegistry();
        _registry.Register(new KpiMetricsCollector(engine, options.RollingWindows, new KpiOptions { GrossMargin = 0.8, NrrBaseMicros = 1_000_000_000 }));
        Console.WriteLine($"// {Render()} bytes per scrape");
    }

    [Benchmark]
    public int Render()
    {
        _output.ResetWrittenCount();
        _registry.WriteTo(_output, ExpositionFormat.PrometheusText004);
        return _output.WrittenCount;
    }
}
