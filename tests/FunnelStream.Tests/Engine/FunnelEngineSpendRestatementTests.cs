using FunnelStream.Engine;
using FunnelStream.Events;
using static FunnelStream.Tests.Engine.EngineTestKit;

namespace FunnelStream.Tests.Engine;

/// <summary>
/// Spend restatements (issue 5 item 2): with the switch on, a later spend report for the same
/// campaign, channel and UTC day replaces the earlier figure in the windows the first report was
/// counted in; with it off, every report adds its cost.
/// </summary>
public class FunnelEngineSpendRestatementTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private sealed class Rig
    {
        private readonly EngineTestKit _kit = new();

        public Rig(bool restatements, TimeSpan? lateness = null)
        {
            Engine = new FunnelEngine(_kit.Funnel, new EngineOptions
            {
                WindowSizes = [Minute, Hour],
                AllowedLateness = lateness ?? TimeSpan.FromMinutes(5),
                SpendRestatements = restatements,
            }, _kit.Interners, Sink);
        }

        public SpendWindowSink Sink { get; } = new();

        public FunnelEngine Engine { get; }

        public EventOutcome Spend(DateTimeOffset ts, double cost, string campaign = "spring", string channel = "linkedin") =>
            Engine.Process(_kit.Event("spend", ts, campaign, channel, cost: cost));

        public EventOutcome Click(DateTimeOffset ts, string campaign = "spring") => Engine.Process(_kit.Event("click", ts, campaign));

        public (long Spend, long Events) Window(TimeSpan size, DateTimeOffset start, string breakdown = "spring/linkedin")
        {
            var rows = Sink.Closed.Where(r => r.SizeMs == (long)size.TotalMilliseconds && r.StartMs == start.ToUnixTimeMilliseconds() && r.Breakdown == breakdown).ToList();
            return (rows.Sum(r => r.SpendMicros), rows.Sum(r => r.SpendEvents));
        }

        public long CumulativeSpend()
        {
            CounterView c = Engine.Counters;
            long sum = 0;
            for (int slot = 0; slot < c.SlotCount; slot++)
                sum += c.SpendMicros(slot);
            return sum;
        }
    }

    [Fact]
    public void Process_RestatementInOpenWindow_ReplacesFigureInTheFirstReportsWindows()
    {
        var rig = new Rig(restatements: true);
        Assert.Equal(EventOutcome.Counted, rig.Spend(T0.AddMinutes(10), 100));
        // Same campaign/channel/day, a different minute: replaces the 100 in the 10:10 minute and the 10:00 hour.
        Assert.Equal(EventOutcome.Counted, rig.Spend(T0.AddMinutes(12), 80));
        Assert.Equal(EventOutcome.Counted, rig.Spend(T0.AddMinutes(13), 30, campaign: "summer")); // another key: adds
        rig.Engine.CloseAllWindows();

        Assert.Equal((80_000_000, 1), rig.Window(Hour, T0));
        Assert.Equal((80_000_000, 1), rig.Window(Minute, T0.AddMinutes(10)));
        Assert.Equal((0, 0), rig.Window(Minute, T0.AddMinutes(12)));
        Assert.Equal((30_000_000, 1), rig.Window(Hour, T0, "summer/linkedin"));
        Assert.Equal(110_000_000, rig.CumulativeSpend());
        Assert.Equal(1, rig.Engine.RestatedCount);
        Assert.Equal(3, rig.Engine.CountedTotal);
    }

    [Fact]
    public void Process_RestatementsOff_EveryReportAdds()
    {
        var rig = new Rig(restatements: false);
        rig.Spend(T0.AddMinutes(10), 100);
        rig.Spend(T0.AddMinutes(12), 80);
        rig.Engine.CloseAllWindows();

        Assert.Equal((180_000_000, 2), rig.Window(Hour, T0));
        Assert.Equal(180_000_000, rig.CumulativeSpend());
        Assert.Equal(0, rig.Engine.RestatedCount);
    }

    [Fact]
    public void Process_SeveralRestatements_LastFigureWins()
    {
        var rig = new Rig(restatements: true);
        rig.Spend(T0.AddMinutes(10), 100);
        rig.Spend(T0.AddMinutes(11), 250);
        rig.Spend(T0.AddMinutes(9), 40); // out of order in event time: still the latest report received
        rig.Engine.CloseAllWindows();

        Assert.Equal((40_000_000, 1), rig.Window(Hour, T0));
        Assert.Equal(40_000_000, rig.CumulativeSpend());
    }

    [Fact]
    public void Process_NextUtcDay_IsANewKeyAndAdds()
    {
        var rig = new Rig(restatements: true);
        DateTimeOffset midnight = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        rig.Spend(midnight.AddMinutes(-1), 100); // 2026-11-22
        Assert.Equal(EventOutcome.Counted, rig.Spend(midnight.AddMinutes(1), 70)); // 2026-11-23
        rig.Engine.CloseAllWindows();

        Assert.Equal((100_000_000, 1), rig.Window(Hour, midnight.AddHours(-1)));
        Assert.Equal((70_000_000, 1), rig.Window(Hour, midnight));
        Assert.Equal(0, rig.Engine.RestatedCount);
    }

    [Fact]
    public void Process_RestatementWhoseFirstReportIsBeyondLateness_LateAndFigureKept()
    {
        var rig = new Rig(restatements: true);
        rig.Spend(T0.AddMinutes(10), 100);
        rig.Click(T0.AddHours(2)); // watermark 12:00: the 10:00 hour closed with 100
        // Its own time is within lateness, but the figure it replaces was counted in a closed window.
        Assert.Equal(EventOutcome.Late, rig.Spend(T0.AddHours(2).AddMinutes(-1), 80));
        Assert.Equal(1, rig.Engine.LateCount(rig.Engine.Funnel.SpendStage));
        rig.Engine.CloseAllWindows();

        Assert.Equal((100_000_000, 1), rig.Window(Hour, T0));
        Assert.Equal((0, 0), rig.Window(Hour, T0.AddHours(1)));
        Assert.Equal(100_000_000, rig.CumulativeSpend());
    }

    [Fact]
    public void Process_WatermarkPassesADaysEndPlusLateness_DayForgotten()
    {
        var rig = new Rig(restatements: true);
        DateTimeOffset midnight = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        rig.Spend(midnight.AddHours(-2), 100, campaign: "a");
        rig.Spend(midnight.AddHours(-2), 100, campaign: "b");
        rig.Spend(midnight.AddMinutes(1), 5, campaign: "a");
        Assert.Equal(3, rig.Engine.SpendFigureCount);

        rig.Click(midnight.AddMinutes(5)); // watermark − lateness reaches midnight: every event of the 22nd is late now
        Assert.Equal(1, rig.Engine.SpendFigureCount);
    }

    [Fact]
    public void Process_RestatementsOfKnownKeys_AllocateNothing()
    {
        var kit = new EngineTestKit();
        var engine = new FunnelEngine(kit.Funnel, new EngineOptions { WindowSizes = [Minute, Hour], SpendRestatements = true }, kit.Interners, new SpendWindowSink());
        string[] campaigns = ["a", "b", "c", "d"];
        FunnelEvent[] firsts = campaigns.Select(c => kit.Event("spend", T0.AddMinutes(1), c, cost: 10)).ToArray();
        FunnelEvent[] restatements = Enumerable.Range(0, 200).Select(i => kit.Event("spend", T0.AddMinutes(1).AddSeconds(i), campaigns[i % 4], cost: i)).ToArray();
        foreach (FunnelEvent e in firsts)
            engine.Process(e);
        engine.Process(restatements[0]); // first restatement: warm every path

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < restatements.Length; i++)
            engine.Process(restatements[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(200, engine.RestatedCount);
    }

    [Fact]
    public void Constructor_RestatementsWithoutCampaignDimension_Throws()
    {
        var funnel = new FunnelDefinition(["click", "lead"], [], ["channel"]);
        var e = Assert.Throws<ArgumentException>(() => new FunnelEngine(funnel, new EngineOptions { SpendRestatements = true },
            [new DimensionInterner("channel", 10)]));
        Assert.Contains("campaign and channel", e.Message);
    }
}
