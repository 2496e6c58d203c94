using FsCheck;
using FsCheck.Fluent;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Journeys;

/// <summary>Properties of <see cref="JourneyStore"/> over generated journeys (FsCheck, run by hand: no FsCheck.Xunit).</summary>
public class JourneyStorePropertyTests
{
    private const long Lateness = 5 * 60_000;

    /// <summary>Events: journey 1..<paramref name="journeys"/>, any stage of the default funnel but spend, a time within <paramref name="spanMs"/> of T0; and a seed.</summary>
    private static Gen<((ulong Journey, int Stage, long Ms)[] Events, int Seed)> EventsAndSeed(int journeys, int spanMs) =>
        from events in (
            from journey in Gen.Choose(1, journeys)
            from stage in Gen.Choose(0, 10)
            from ms in Gen.Choose(0, spanMs)
            select ((ulong)journey, stage, JourneyStoreTests.T0 + ms)).ArrayOf()
        from seed in Gen.Choose(0, int.MaxValue)
        select (events, seed);

    [Fact]
    public void Observe_AnyPermutation_SameConversionResult()
    {
        Prop.ForAll(EventsAndSeed(journeys: 6, spanMs: 3 * 86_400_000).ToArbitrary(), input =>
        {
            var options = new JourneyOptions { ConversionWindow = TimeSpan.FromHours(12), CohortSize = TimeSpan.FromHours(6) };
            var shuffled = input.Events.ToArray();
            new Random(input.Seed).Shuffle(shuffled);
            return Summary(Feed(options, input.Events, expireAfterEach: false)) == Summary(Feed(options, shuffled, expireAfterEach: false));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Observe_DisorderWithinLateness_SameHistogramsAsInOrder()
    {
        // Arrival sorted by ts + a jitter of at most the allowed lateness: no event is late (the engine
        // would drop it), so the full passes in between must record exactly what in-order arrival records.
        // Few journeys over half an hour: most events of a journey arrive within the lateness of each other.
        Prop.ForAll(EventsAndSeed(journeys: 3, spanMs: 30 * 60_000).ToArbitrary(), input =>
        {
            var options = new JourneyOptions { ScanInterval = TimeSpan.Zero, CohortSize = TimeSpan.FromHours(6) };
            var random = new Random(input.Seed);
            var inOrder = input.Events.OrderBy(e => e.Ms).ToArray();
            var jittered = input.Events.OrderBy(e => e.Ms + random.NextInt64(Lateness + 1)).ToArray();
            return Summary(Feed(options, inOrder, expireAfterEach: true)) == Summary(Feed(options, jittered, expireAfterEach: true));
        }).QuickCheckThrowOnFailure();
    }

    private static JourneySnapshot Feed(JourneyOptions options, IEnumerable<(ulong Journey, int Stage, long Ms)> events, bool expireAfterEach)
    {
        var store = new JourneyStore(FunnelDefinition.Default, options);
        long watermark = long.MinValue;
        foreach ((ulong journey, int stage, long ms) in events)
        {
            store.Observe(journey, stage, ms);
            watermark = Math.Max(watermark, ms);
            if (expireAfterEach)
                store.Expire(watermark);
        }
        store.PublishSnapshot(watermark, endOfInput: true);
        return store.Snapshot;
    }

    /// <summary>Everything order must not change, as one comparable string.</summary>
    private static string Summary(JourneySnapshot s) =>
        string.Join(" | ", s.Transitions.Select(t =>
            $"{t.FromStage}>{t.ToStage}: {string.Join(";", t.Cohorts)} ttc {string.Join(",", t.TimeToConvert.CumulativeCounts)} sum {t.TimeToConvert.SumSeconds}"))
        + $" | cycle {string.Join(",", s.SalesCycle.CumulativeCounts)} sum {s.SalesCycle.SumSeconds}";
}
