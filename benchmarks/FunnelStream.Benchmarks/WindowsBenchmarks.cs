using BenchmarkDotNet.Attributes;
using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;
using FunnelStream.Events;
using FunnelStream.Tests.Engine;

namespace FunnelStream.Benchmarks;

/// <summary>
/// The engine's two default tumbling windows (1 min, 1 h) per event: find the window, add to it;
/// the current <see cref="TumblingWindows"/> beside the previous one (<see cref="TumblingWindowsBaseline"/>),
/// on event times 1 ms apart, closing windows as a watermark would. Per event.
/// </summary>
[MemoryDiagnoser]
public class WindowsBenchmarks
{
    private const int Batch = 1000;
    private static readonly long BaseTs = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly SlotLayout _layout = new(FunnelDefinition.Default.Stages.Count);
    private TumblingWindows _minute = null!, _hour = null!;
    private TumblingWindowsBaseline _minuteBaseline = null!, _hourBaseline = null!;
    private long _round, _baselineRound;

    [GlobalSetup]
    public void Setup()
    {
        _minute = new TumblingWindows(60_000, _layout);
        _hour = new TumblingWindows(3_600_000, _layout);
        _minuteBaseline = new TumblingWindowsBaseline(60_000, _layout);
        _hourBaseline = new TumblingWindowsBaseline(3_600_000, _layout);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long Baseline()
    {
        long ts = BaseTs + (++_baselineRound) * Batch;
        for (int i = 0; i < Batch; i++)
        {
            long t = ts + i;
            _minuteBaseline.For(t).Add(i & 63, i % 3, 0, 5);
            _hourBaseline.For(t).Add(i & 63, i % 3, 0, 5);
        }
        _minuteBaseline.CloseUpTo(ts - 120_000, static _ => { });
        _hourBaseline.CloseUpTo(ts - 7_200_000, static _ => { });
        return _minuteBaseline.OpenCount;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long Current()
    {
        long ts = BaseTs + (++_round) * Batch;
        for (int i = 0; i < Batch; i++)
        {
            long t = ts + i;
            _minute.For(t).Add(i & 63, i % 3, 0, 5);
            _hour.For(t).Add(i & 63, i % 3, 0, 5);
        }
        _minute.CloseUpTo(ts - 120_000, static _ => { });
        _hour.CloseUpTo(ts - 7_200_000, static _ => { });
        return _minute.OpenCount;
    }
}
