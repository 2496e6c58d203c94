using System.Diagnostics;

namespace FunnelStream.LoadHarness;

/// <summary>What one measured phase cost this process: wall time, CPU time, managed allocation and GC counts.</summary>
internal readonly record struct Cost(long Events, double Seconds, double CpuSeconds, long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    public double EventsPerSecond => Events / Seconds;

    public double CpuMicrosPerEvent => CpuSeconds * 1e6 / Events;

    public double BytesPerEvent => (double)AllocatedBytes / Events;
}

/// <summary>Starts measuring on creation; <see cref="Stop"/> returns the <see cref="Cost"/> since then.</summary>
internal sealed class Meter
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: true);
    private readonly int _gen0 = GC.CollectionCount(0), _gen1 = GC.CollectionCount(1), _gen2 = GC.CollectionCount(2);

    public Cost Stop(long events) => new(
        events,
        Stopwatch.GetElapsedTime(_start).TotalSeconds,
        (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds,
        GC.GetTotalAllocatedBytes(precise: true) - _allocated,
        GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2);
}
