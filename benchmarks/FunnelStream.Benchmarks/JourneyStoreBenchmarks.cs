using BenchmarkDotNet.Attributes;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// <see cref="JourneyStore"/>: Observe throughput over a realistic mix (new journeys, repeat stages,
/// progress down the funnel), the full pass, and bytes per tracked journey (printed by the setup as
/// "JourneyStore bytes/journey", measured with <see cref="GC.GetTotalMemory(bool)"/>).
/// </summary>
[MemoryDiagnoser]
public class JourneyStoreBenchmarks
{
    private const int Journeys = 200_000;
    private const int Events = 1_000_000;
    private static readonly long T0 = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private ulong[] _journey = [];
    private int[] _stage = [];
    private long[] _ts = [];
    private JourneyStore _full = null!;
    private long _fullWatermark;

    [GlobalSetup]
    public void Setup()
    {
        // Each event picks a journey and moves it one stage on (sometimes repeating a stage), over a day.
        var random = new Random(1);
        var progress = new int[Journeys];
        _journey = new ulong[Events];
        _stage = new int[Events];
        _ts = new long[Events];
        for (int i = 0; i < Events; i++)
        {
            int j = random.Next(Journeys);
            int stage = Math.Min(6, random.Next(4) == 0 ? progress[j] : progress[j]++);
            _journey[i] = StableHash.Hash(BitConverter.GetBytes((long)j + 1));
            _stage[i] = stage;
            _ts[i] = T0 + (long)i * 86_400_000 / Events;
        }

        // Bytes per journey: memory held by a store with N journeys, each at ~3 stages.
        const int measured = 1_000_000;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = new JourneyStore(FunnelDefinition.Default, new JourneyOptions { MaxJourneys = measured });
        for (int j = 0; j < measured; j++)
        {
            ulong key = StableHash.Hash(BitConverter.GetBytes((long)j + 1));
            for (int s = 1; s <= 3; s++)
                store.Observe(key, s, T0 + j + s * 60_000L);
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// JourneyStore bytes/journey: measured {(after - before) / (double)measured:F1} (GC.GetTotalMemory, {measured:N0} journeys, cap {measured:N0}); table arrays {store.EstimatedBytes / (double)measured:F1}");
        _full = store;
        _fullWatermark = T0 + measured + 10 * 60_000L;
    }

    /// <summary>One million observations into a fresh store (200,000 journeys), per observation.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int Observe()
    {
        var store = new JourneyStore(FunnelDefinition.Default, new JourneyOptions());
        ulong[] journey = _journey;
        int[] stage = _stage;
        long[] ts = _ts;
        for (int i = 0; i < journey.Length; i++)
            store.Observe(journey[i], stage[i], ts[i]);
        return store.Count;
    }

    /// <summary>The same stream through a store capped at a quarter of the journeys (eviction on), per observation.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public long ObserveAtCap()
    {
        var store = new JourneyStore(FunnelDefinition.Default, new JourneyOptions { MaxJourneys = Journeys / 4 });
        ulong[] journey = _journey;
        int[] stage = _stage;
        long[] ts = _ts;
        for (int i = 0; i < journey.Length; i++)
            store.Observe(journey[i], stage[i], ts[i]);
        return store.Evictions;
    }

    /// <summary>One full pass (finalization, stalled gauges, snapshot) over one million journeys, per journey.</summary>
    [Benchmark(OperationsPerInvoke = 1_000_000)]
    public long FullPass()
    {
        _full.PublishSnapshot(_fullWatermark);
        return _full.Snapshot.TrackedJourneys;
    }
}
