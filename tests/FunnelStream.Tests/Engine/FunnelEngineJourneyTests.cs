using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Tests.Engine;

/// <summary>The journey store as wired into <see cref="FunnelEngine"/>: what it sees, when it expires and publishes.</summary>
public sealed class FunnelEngineJourneyTests
{
    private static readonly DateTimeOffset T0 = EngineTestKit.T0;
    private readonly FunnelDefinition _funnel = FunnelDefinition.Default;
    private readonly DimensionInterner[] _interners;
    private int _nextId;

    public FunnelEngineJourneyTests()
    {
        _interners = _funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
    }

    private FunnelEngine Engine(JourneyOptions? options = null) =>
        new(_funnel, new EngineOptions(), _interners, sink: null,
            journeys: new JourneyStore(_funnel, options ?? new JourneyOptions { ScanInterval = TimeSpan.Zero }));

    private FunnelEvent Event(string stage, DateTimeOffset ts, string journey, string? id = null) => new()
    {
        TimestampMs = ts.ToUnixTimeMilliseconds(),
        IdHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(id ?? $"e-{_nextId++}")),
        JourneyHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(journey)),
        Stage = (byte)_funnel.IndexOf(stage),
    };

    private static TransitionSnapshot Pair(JourneySnapshot s, string from) =>
        s.Transitions.Single(t => t.FromStage == FunnelDefinition.Default.IndexOf(from));

    [Fact]
    public void Journeys_NoStore_Null()
    {
        var engine = new FunnelEngine(_funnel, new EngineOptions(), _interners);
        Assert.Null(engine.Journeys);
        Assert.Equal(0, engine.JourneyEvictions);
    }

    [Fact]
    public void CloseAllWindows_CountedEvents_FinalSnapshotHasEveryConversion()
    {
        FunnelEngine engine = Engine(new JourneyOptions { ScanInterval = TimeSpan.FromDays(1) });
        engine.Process(Event("click", T0, "v-1"));
        engine.Process(Event("lead", T0.AddSeconds(90), "v-1"));
        engine.Process(Event("click", T0.AddSeconds(10), "v-2"));

        engine.CloseAllWindows();

        JourneySnapshot s = engine.Journeys!;
        CohortSnapshot cohort = Assert.Single(Pair(s, "click").Cohorts);
        Assert.Equal((2L, 1L), (cohort.Entered, cohort.Converted));
        Assert.Equal(1, Pair(s, "click").TimeToConvert.Count);
        Assert.Equal(90, Pair(s, "click").TimeToConvert.SumSeconds);
        Assert.Equal(2, s.TrackedJourneys);
        Assert.Equal(T0.AddSeconds(90).ToUnixTimeMilliseconds(), s.WatermarkMs);
    }

    [Fact]
    public void Process_Duplicate_NotObservedTwice()
    {
        FunnelEngine engine = Engine();
        engine.Process(Event("click", T0, "v-1", id: "c-1"));
        // The same id again, but claiming an earlier time: a duplicate must not move the journey's first click.
        Assert.Equal(EventOutcome.Duplicate, engine.Process(Event("click", T0.AddSeconds(-30), "v-1", id: "c-1")));
        engine.Process(Event("lead", T0.AddSeconds(60), "v-1"));
        engine.CloseAllWindows();

        Assert.Equal(60, Pair(engine.Journeys!, "click").TimeToConvert.SumSeconds);
    }

    [Fact]
    public void Process_LateEvent_NotObserved()
    {
        FunnelEngine engine = Engine();
        engine.Process(Event("click", T0, "v-1"));
        engine.Process(Event("impression", T0.AddMinutes(30), "other"));
        // 30 min behind the watermark with 5 min allowed: late, so the journey never reaches lead.
        Assert.Equal(EventOutcome.Late, engine.Process(Event("lead", T0.AddSeconds(5), "v-1")));
        engine.CloseAllWindows();

        CohortSnapshot cohort = Assert.Single(Pair(engine.Journeys!, "click").Cohorts);
        Assert.Equal((1L, 0L), (cohort.Entered, cohort.Converted));
    }

    [Fact]
    public void Process_WatermarkPassesConversionWindow_JourneyExpiredAndSnapshotPublished()
    {
        FunnelEngine engine = Engine(new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), ScanInterval = TimeSpan.Zero });
        engine.Process(Event("click", T0, "v-1"));
        engine.Process(Event("click", T0.AddMinutes(1), "v-2"));
        Assert.Equal(2, engine.Journeys!.TrackedJourneys);

        // Event time moves on past the window plus the lateness: both journeys are forgotten, no full pass asked for.
        engine.Process(Event("impression", T0.AddHours(1).AddMinutes(7), "v-3"));

        JourneySnapshot s = engine.Journeys!;
        Assert.Equal(2, s.Expirations);
        Assert.Equal(1, s.TrackedJourneys);
        Assert.Equal(T0.AddHours(1).AddMinutes(7).ToUnixTimeMilliseconds(), s.WatermarkMs);
    }

    [Fact]
    public void Process_PastTheCap_EvictionsVisibleToReaders()
    {
        FunnelEngine engine = Engine(new JourneyOptions { MaxJourneys = 32 });
        for (int i = 0; i < 40; i++)
            engine.Process(Event("click", T0.AddSeconds(i), $"v-{i}"));
        Assert.True(engine.JourneyEvictions >= 8, $"evictions: {engine.JourneyEvictions}");
    }

    [Fact]
    public void Constructor_StoreOfAnotherFunnel_Throws()
    {
        var other = new FunnelDefinition(["visit", "signup", "paid"], [], ["campaign", "channel"]);
        Assert.Throws<ArgumentException>(() => new FunnelEngine(_funnel, new EngineOptions(), _interners, null, new JourneyStore(other, new JourneyOptions { StageSla = new Dictionary<string, TimeSpan>() })));
    }
}
