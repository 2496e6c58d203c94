using BenchmarkDotNet.Attributes;
using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// The engine's work per event (<see cref="FunnelEngine.Process"/>: dedup, lateness, breakdown slot,
/// two tumbling windows, cumulative and rolling counters, watermark), and parse + engine together,
/// beside B2 (the bare <see cref="System.Text.Json.Utf8JsonReader"/> loop of <see cref="ParseBenchmarks"/>).
/// Steady state: every id is new (as in production), event time advances in order over three
/// sources (partitions), the default engine options. Results are per event.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int PayloadCount = 1000;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _payloads = [];
    private FunnelEvent[] _events = [];
    private readonly FunnelEvent[] _batch = new FunnelEvent[PayloadCount];
    private EventParser _parser = null!;
    private FunnelEngine _engine = null!;
    private FunnelEngine _smallDedupEngine = null!;
    private long _round;
    private long _baseTs;

    [GlobalSetup]
    public void Setup()
    {
        _payloads = ParseBenchmarks.MixedPayloads(PayloadCount, new Random(42));
        FunnelDefinition funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray();
        _parser = new EventParser(funnel, new EventParserOptions(), interners);
        long now = Now.ToUnixTimeMilliseconds();
        _parser.SetClock(now, now);
        _events = new FunnelEvent[PayloadCount];
        for (int i = 0; i < PayloadCount; i++)
        {
            if (_parser.Parse(_payloads[i], out _events[i]) != RejectReason.None)
                throw new InvalidOperationException("benchmark payload rejected");
        }
        _engine = new FunnelEngine(funnel, new EngineOptions(), interners);
        _smallDedupEngine = new FunnelEngine(funnel, new EngineOptions { DedupMaxEntries = 16_384 }, interners);
        for (int s = 0; s < 3; s++)
        {
            _engine.AddSource(s);
            _smallDedupEngine.AddSource(s);
        }
        _baseTs = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    /// <summary>B2, the floor for parsing the same payloads.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PayloadCount)]
    public long BareReaderAllTokens()
    {
        long sum = 0;
        foreach (byte[] payload in _payloads)
        {
            var reader = new System.Text.Json.Utf8JsonReader(payload);
            while (reader.Read())
                sum += (int)reader.TokenType;
        }
        return sum;
    }

    /// <summary>The engine alone: 1000 pre-parsed events with fresh ids, 1 ms apart in event time.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int EngineProcess() => Process(_engine);

    /// <summary>
    /// Not a configuration to run: the same engine with a dedup set that fits in the caches (16k ids,
    /// evicting all the time), to show how much of <see cref="EngineProcess"/> is the dedup table's
    /// memory traffic at the default 4M cap.
    /// </summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int EngineProcessCacheSizedDedup() => Process(_smallDedupEngine);

    /// <summary><see cref="EngineProcess"/>, calling <see cref="FunnelEngine.Prefetch"/> for the event <see cref="PrefetchDistance"/> places ahead, as a batch loop can.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int EngineProcessPrefetch()
    {
        FunnelEngine engine = _engine;
        FunnelEvent[] events = _events;
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int counted = 0;
        for (int i = 0; i < events.Length; i++)
        {
            if (i + PrefetchDistance < events.Length)
            {
                FunnelEvent ahead = events[i + PrefetchDistance];
                ahead.IdHash = (ahead.IdHash ^ salt) | 1;
                engine.Prefetch(ahead);
            }
            FunnelEvent e = events[i];
            e.IdHash = (e.IdHash ^ salt) | 1;
            e.TimestampMs = ts + i;
            if (engine.Process(e, i % 3) == EventOutcome.Counted)
                counted++;
        }
        return counted;
    }

    /// <summary>
    /// Parse + engine as the worker splits them: the parser fills a batch, then the engine applies it,
    /// prefetching <see cref="PrefetchDistance"/> events ahead (what <c>KafkaIngestPipeline.Apply</c>
    /// can do with <see cref="FunnelEngine.Prefetch"/>; not wired there yet).
    /// </summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int ParseBatchThenProcessPrefetch()
    {
        FunnelEngine engine = _engine;
        EventParser parser = _parser;
        byte[][] payloads = _payloads;
        FunnelEvent[] batch = _batch;
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int n = 0;
        for (int i = 0; i < payloads.Length; i++)
        {
            if (parser.Parse(payloads[i], out FunnelEvent e) != RejectReason.None)
                continue;
            e.IdHash = (e.IdHash ^ salt) | 1;
            e.TimestampMs = ts + i;
            batch[n++] = e;
        }
        int counted = 0;
        for (int i = 0; i < n; i++)
        {
            if (i + PrefetchDistance < n)
                engine.Prefetch(batch[i + PrefetchDistance]);
            if (engine.Process(batch[i], i % 3) == EventOutcome.Counted)
                counted++;
        }
        return counted;
    }

    /// <summary>How many events ahead <see cref="EngineProcessPrefetch"/> prefetches.</summary>
    public const int PrefetchDistance = 8;

    private int Process(FunnelEngine engine)
    {
        FunnelEvent[] events = _events;
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int counted = 0;
        for (int i = 0; i < events.Length; i++)
        {
            FunnelEvent e = events[i];
            e.IdHash = (e.IdHash ^ salt) | 1;
            e.TimestampMs = ts + i;
            if (engine.Process(e, i % 3) == EventOutcome.Counted)
                counted++;
        }
        return counted;
    }

    /// <summary>Parse + engine per event, as the worker's two threads do between them.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int ParseAndProcess()
    {
        FunnelEngine engine = _engine;
        EventParser parser = _parser;
        byte[][] payloads = _payloads;
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int counted = 0;
        for (int i = 0; i < payloads.Length; i++)
        {
            if (parser.Parse(payloads[i], out FunnelEvent e) != RejectReason.None)
                continue;
            e.IdHash = (e.IdHash ^ salt) | 1;
            e.TimestampMs = ts + i;
            if (engine.Process(e, i % 3) == EventOutcome.Counted)
                counted++;
        }
        return counted;
    }
}
