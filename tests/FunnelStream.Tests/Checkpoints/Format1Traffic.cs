using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// The events behind <see cref="EngineFormat1Fixture"/>: fed to a new engine with <see cref="Options"/>,
/// they produce the state that fixture holds. Deterministic; do not change (the fixture was written
/// from exactly these events).
/// </summary>
internal static class Format1Traffic
{
    /// <summary>Event time of the first event: 2026-03-02 09:00 UTC.</summary>
    public static readonly long T0 = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Ids 1 to 40 are counted; the fixture's dedup set remembers all of them.</summary>
    public const int Ids = 40;

    /// <summary>The id hash the traffic uses for id <paramref name="n"/>.</summary>
    public static ulong IdHash(int n) => (ulong)n * 0x9E3779B97F4A7C15UL;

    /// <summary>Minute windows, lateness 5 minutes, dedup horizon 20 minutes, restatements on.</summary>
    public static EngineOptions Options() => new()
    {
        WindowSizes = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10)],
        AllowedLateness = TimeSpan.FromMinutes(5),
        DedupHorizon = TimeSpan.FromMinutes(20),
        DedupMaxEntries = 4096,
        IdleSourceTimeout = TimeSpan.FromSeconds(30),
        SpendRestatements = true,
    };

    /// <summary>
    /// Ids 1..40 every 15 s (clicks, every fourth a lead with an amount, every tenth a spend report),
    /// over two campaigns; every seventh id is sent twice (a duplicate).
    /// </summary>
    public static void Feed(FunnelEngine engine, DimensionInterner[] interners)
    {
        FunnelDefinition funnel = engine.Funnel;
        int click = IndexOf(funnel, "click"), lead = IndexOf(funnel, "lead");
        for (int n = 1; n <= Ids; n++)
        {
            var evt = new FunnelEvent { IdHash = IdHash(n), TimestampMs = T0 + n * 15_000L, Stage = (byte)click };
            if (n % 4 == 0)
            {
                evt.Stage = (byte)lead;
                evt.AmountMicros = n * 1_000_000L;
            }
            if (n % 10 == 0)
            {
                evt.Stage = (byte)funnel.SpendStage;
                evt.AmountMicros = 0;
                evt.CostMicros = n * 500_000L;
            }
            evt.Dimensions[0] = interners[0].Intern((n % 2 == 0 ? "spring" : "summer").AsSpan());
            evt.Dimensions[1] = interners[1].Intern("linkedin".AsSpan());
            engine.Process(evt);
            if (n % 7 == 0)
                engine.Process(evt);
        }
    }

    private static int IndexOf(FunnelDefinition funnel, string stage)
    {
        for (int i = 0; i < funnel.Stages.Count; i++)
        {
            if (funnel.Stages[i] == stage)
                return i;
        }
        throw new ArgumentException(stage);
    }
}
