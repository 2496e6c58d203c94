using BenchmarkDotNet.Attributes;
using FunnelStream.Engine.State;
using FunnelStream.Tests.Engine;

namespace FunnelStream.Benchmarks;

/// <summary>
/// The dedup set at the default cap (4M ids, so it evicts a quarter of the cap every million new
/// ids, as a live worker does at high rates), fed the same stream of fresh ids 1 ms apart in event
/// time: the previous implementation (<see cref="DedupSetBaseline"/>, the tests' reference, rebuilding
/// into a spare table), the current <see cref="DedupSet"/> on ordinary 4 KB pages, and the current one
/// as the engine builds it (huge-page advised, <see cref="LargeTables"/>). Per id, maintenance amortised in.
/// </summary>
[MemoryDiagnoser]
public class DedupBenchmarks
{
    private const int Batch = 1000;
    private const int MaxEntries = 4_000_000;
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(24);

    private DedupSet _current = null!;
    private DedupSet _smallPages = null!;
    private DedupSetBaseline _baseline = null!;
    private long _currentRound;
    private long _smallPagesRound;
    private long _baselineRound;

    [GlobalSetup]
    public void Setup()
    {
        _current = new DedupSet(Horizon, MaxEntries);
        _smallPages = new DedupSet(Horizon, MaxEntries, hugePages: false);
        _baseline = new DedupSetBaseline(Horizon, MaxEntries);
        // Past the cap once, so that both measure the steady state (eviction included).
        while (_currentRound * Batch < MaxEntries + MaxEntries / 2)
            Current();
        while (_smallPagesRound * Batch < MaxEntries + MaxEntries / 2)
            SmallPages();
        while (_baselineRound * Batch < MaxEntries + MaxEntries / 2)
            Baseline();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int Baseline()
    {
        long round = ++_baselineRound;
        int added = 0;
        for (int i = 0; i < Batch; i++)
            added += _baseline.TryAdd(Id(round, i), round * Batch + i) ? 1 : 0;
        return added;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int SmallPages()
    {
        long round = ++_smallPagesRound;
        int added = 0;
        for (int i = 0; i < Batch; i++)
            added += _smallPages.TryAdd(Id(round, i), round * Batch + i) ? 1 : 0;
        return added;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Current()
    {
        long round = ++_currentRound;
        int added = 0;
        for (int i = 0; i < Batch; i++)
            added += _current.TryAdd(Id(round, i), round * Batch + i) ? 1 : 0;
        return added;
    }

    /// <summary>A well-mixed non-zero hash per (round, i), like <c>StableHash</c> of a fresh id.</summary>
    private static ulong Id(long round, int i)
    {
        ulong z = (ulong)(round * Batch + i) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) | 1;
    }
}
