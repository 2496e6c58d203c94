using BenchmarkDotNet.Attributes;
using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// <see cref="FunnelEngine.Process"/> per event with journey tracking off and on (the worker's default
/// <see cref="JourneyOptions"/>: 30-day window, full pass per minute of event time), over the mixed
/// payloads of <see cref="ParseBenchmarks"/> whose events carry one of 100,000 journeys. Fresh ids,
/// event time advancing 1 ms per event over three sources, so the periodic full pass (expiry, stalled
/// gauges, snapshot) is included in its amortized share. Results are per event.
/// </summary>
[MemoryDiagnoser]
public class EngineJourneysBenchmarks
{
    private const int PayloadCount = 1000;
    private const int JourneyPool = 100_000;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private FunnelEvent[] _events = [];
    private FunnelEngine _engine = null!;
    private long _round;
    private long _baseTs;

    /// <summary>Whether the engine feeds a <see cref="JourneyStore"/>.</summary>
    [Params(false, true)]
    public bool Journeys { get; set; }

    /// <summary>Whether the journey store also feeds a <see cref="SalesCycleTracker"/> (as the worker does): rolling only, as live.</summary>
    [Params(false, true)]
    public bool SalesCycles { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[][] payloads = ParseBenchmarks.MixedPayloads(PayloadCount, new Random(42));
        FunnelDefinition funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions(), interners);
        long now = Now.ToUnixTimeMilliseconds();
        parser.SetClock(now, now);
        _events = new FunnelEvent[PayloadCount];
        for (int i = 0; i < PayloadCount; i++)
        {
            if (parser.Parse(payloads[i], out _events[i]) != RejectReason.None)
                throw new InvalidOperationException("benchmark payload rejected");
        }
        JourneyStore? store = Journeys ? new JourneyStore(funnel, new JourneyOptions(), SalesCycles ? new SalesCycleTracker([], TimeSpan.FromMinutes(5)) : null) : null;
        _engine = new FunnelEngine(funnel, new EngineOptions(), interners, sink: null, journeys: store);
        for (int s = 0; s < 3; s++)
            _engine.AddSource(s);
        _baseTs = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    }

    /// <summary>1000 pre-parsed events with fresh ids and journeys from a pool of 100,000, 1 ms apart in event time.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int EngineProcess()
    {
        FunnelEngine engine = _engine;
        FunnelEvent[] events = _events;
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int counted = 0;
        for (int i = 0; i < events.Length; i++)
        {
            FunnelEvent e = events[i];
            e.IdHash = (e.IdHash ^ salt) | 1;
            e.JourneyHash = (ulong)((_round * PayloadCount + i) * 7919 % JourneyPool) + 1;
            e.TimestampMs = ts + i;
            if (engine.Process(e, i % 3) == EventOutcome.Counted)
                counted++;
        }
        return counted;
    }
}
