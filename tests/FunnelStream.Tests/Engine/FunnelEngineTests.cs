using FunnelStream.Engine;
using static FunnelStream.Tests.Engine.EngineTestKit;

namespace FunnelStream.Tests.Engine;

public class FunnelEngineTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void Process_EventsInOneMinute_CountedInTheirMinuteAndHourWindows()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0.AddSeconds(5));
        kit.Process("click", T0.AddSeconds(59.999));
        kit.Process("click", T0.AddMinutes(1)); // the first instant of the next minute
        kit.Engine.CloseAllWindows();

        Assert.Equal(2, kit.ClosedCount(Minute, T0, "click"));
        Assert.Equal(1, kit.ClosedCount(Minute, T0.AddMinutes(1), "click"));
        Assert.Equal(3, kit.ClosedCount(Hour, T0, "click"));
    }

    [Fact]
    public void Process_SameIdTwice_SecondIsDuplicateAndNotCounted()
    {
        var kit = new EngineTestKit();
        Assert.Equal(EventOutcome.Counted, kit.Process("lead", T0, id: "l-1"));
        Assert.Equal(EventOutcome.Duplicate, kit.Process("lead", T0.AddSeconds(1), id: "l-1"));
        kit.Engine.CloseAllWindows();

        Assert.Equal(1, kit.ClosedCount(Hour, T0, "lead"));
        Assert.Equal(1, kit.Engine.DuplicateCount);
    }

    [Fact]
    public void Process_SameIdAfterHorizon_CountedAgain()
    {
        var kit = new EngineTestKit(new EngineOptions { DedupHorizon = TimeSpan.FromMinutes(10), DedupMaxEntries = 1024 });
        kit.Process("click", T0, id: "c-1");
        // Enough traffic an hour later that the table rebuilds and drops ids older than the horizon.
        for (int i = 0; i < 2000; i++)
            kit.Process("impression", T0.AddHours(1).AddMilliseconds(i));
        Assert.Equal(EventOutcome.Counted, kit.Process("click", T0.AddHours(1).AddSeconds(5), id: "c-1"));
    }

    [Fact]
    public void Process_OutOfOrderWithinLateness_Counted()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0.AddMinutes(10));
        Assert.Equal(EventOutcome.Counted, kit.Process("click", T0.AddMinutes(5))); // exactly 5 min behind
        kit.Engine.CloseAllWindows();
        Assert.Equal(1, kit.ClosedCount(Minute, T0.AddMinutes(5), "click"));
    }

    [Fact]
    public void Process_BeyondLateness_LateAndNeverInAClosedWindow()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0.AddMinutes(10));
        Assert.Equal(EventOutcome.Late, kit.Process("lead", T0.AddMinutes(5).AddMilliseconds(-1)));
        kit.Engine.CloseAllWindows();

        Assert.Equal(0, kit.ClosedCount(Minute, T0.AddMinutes(4), "lead"));
        Assert.Equal(0, kit.ClosedCount(Hour, T0, "lead"));
        Assert.Equal(1, kit.Engine.LateCount(kit.Funnel.IndexOf("lead")));
    }

    [Fact]
    public void Process_WatermarkPassesEndPlusLateness_ClosesWindowOnceOldestFirst()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0);
        kit.Process("click", T0.AddMinutes(1));
        Assert.Empty(kit.ClosedOrder);

        kit.Process("click", T0.AddMinutes(6)); // watermark - 5 min = T0 + 1 min = end of the first minute
        Assert.Equal([(Minute, T0)], kit.ClosedOrder);

        kit.Process("click", T0.AddMinutes(8));
        Assert.Equal([(Minute, T0), (Minute, T0.AddMinutes(1))], kit.ClosedOrder);
    }

    [Fact]
    public void Process_LaggingSource_HoldsWatermarkSoItsEventsAreNotLate()
    {
        var kit = new EngineTestKit();
        kit.Engine.AddSource(0);
        kit.Engine.AddSource(1);
        kit.Process("click", T0.AddMinutes(30), source: 0);
        kit.Process("lead", T0, source: 1); // partition 1 is catching up a backlog
        Assert.Equal(EventOutcome.Counted, kit.Process("lead", T0.AddMinutes(1), source: 1));
        Assert.Equal(T0.ToUnixTimeMilliseconds(), kit.Engine.Watermark - 60_000);
    }

    [Fact]
    public void Process_SourceAssignedButSilent_HoldsWatermarkUntilIdle()
    {
        var kit = new EngineTestKit(new EngineOptions { IdleSourceTimeout = TimeSpan.FromSeconds(30) });
        kit.Engine.SetProcessingTime(0);
        kit.Engine.AddSource(0);
        kit.Engine.AddSource(1);
        kit.Process("click", T0.AddMinutes(30), source: 0);
        Assert.Equal(long.MinValue, kit.Engine.Watermark);
        kit.Engine.SetProcessingTime(30_000);
        Assert.Equal(T0.AddMinutes(30).ToUnixTimeMilliseconds(), kit.Engine.Watermark);
    }

    [Fact]
    public void SetProcessingTime_SourceIdlePastTimeout_StopsHoldingWatermark()
    {
        var kit = new EngineTestKit(new EngineOptions { IdleSourceTimeout = TimeSpan.FromSeconds(30) });
        kit.Engine.SetProcessingTime(1_000);
        kit.Process("click", T0, source: 1);
        kit.Process("click", T0.AddMinutes(30), source: 0);
        Assert.Equal(T0.ToUnixTimeMilliseconds(), kit.Engine.Watermark);

        kit.Engine.SetProcessingTime(1_000 + 30_000);
        Assert.Equal(T0.AddMinutes(30).ToUnixTimeMilliseconds(), kit.Engine.Watermark);
    }

    [Fact]
    public void SetProcessingTime_QuietSpellThenBatchOfTwoPartitions_OlderPartitionsEventsNotLate()
    {
        // After a spell longer than the idle timeout every source is idle. A batch then lists partition 1's
        // records before partition 0's older ones (Kafka orders only within a partition): both are
        // delivering, so partition 1's first record does not set the watermark alone.
        EngineTestKit kit = TwoPartitionsThenQuietSpell();

        kit.Engine.SetProcessingTime(5_000, [1, 0]);
        Assert.Equal(EventOutcome.Counted, kit.Process("lead", T0.AddMinutes(42), source: 1));
        Assert.Equal(EventOutcome.Counted, kit.Process("click", T0.AddMinutes(30), source: 0));
        Assert.Equal(T0.AddMinutes(30).ToUnixTimeMilliseconds(), kit.Engine.Watermark);
        Assert.Equal(0, kit.Engine.LateCount(kit.Funnel.IndexOf("click")));
    }

    [Fact]
    public void SetProcessingTime_IdleSourceNotDelivering_DoesNotHoldWatermarkBack()
    {
        // The other side: a partition that stays silent past the timeout, and is not in the batch, no longer
        // holds the watermark, so its records that come later than the allowed lateness are late.
        EngineTestKit kit = TwoPartitionsThenQuietSpell();

        kit.Engine.SetProcessingTime(5_000, [1]);
        Assert.Equal(EventOutcome.Counted, kit.Process("lead", T0.AddMinutes(42), source: 1));
        Assert.Equal(T0.AddMinutes(42).ToUnixTimeMilliseconds(), kit.Engine.Watermark);
        Assert.Equal(EventOutcome.Late, kit.Process("click", T0.AddMinutes(30), source: 0));
    }

    /// <summary>Partitions 0 and 1 delivered at T0 + 10 and + 12 min, at processing time 0; a 2 s idle timeout.</summary>
    private static EngineTestKit TwoPartitionsThenQuietSpell()
    {
        var kit = new EngineTestKit(new EngineOptions { IdleSourceTimeout = TimeSpan.FromSeconds(2) });
        kit.Engine.SetProcessingTime(0);
        kit.Engine.AddSource(0);
        kit.Engine.AddSource(1);
        kit.Process("click", T0.AddMinutes(10), source: 0);
        kit.Process("click", T0.AddMinutes(12), source: 1);
        return kit;
    }

    [Fact]
    public void Process_TwoBreakdowns_CountedSeparatelyAndInCumulativeCounters()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0, campaign: "spring", channel: "linkedin");
        kit.Process("click", T0, campaign: "spring", channel: "email");
        kit.Process("click", T0, campaign: "spring", channel: "email");
        kit.Engine.CloseAllWindows();

        Assert.Equal(1, kit.ClosedCount(Hour, T0, "click", "spring/linkedin"));
        Assert.Equal(2, kit.ClosedCount(Hour, T0, "click", "spring/email"));
        CounterView view = kit.Engine.Counters;
        int click = kit.Funnel.IndexOf("click");
        Assert.Equal(3, Enumerable.Range(0, view.SlotCount).Sum(s => view.Count(s, click)));
    }

    [Fact]
    public void Process_CostAndAmount_SummedExactlyInMicros()
    {
        var kit = new EngineTestKit();
        var totals = new StageTotals(kit.Funnel.Stages.Count);
        kit.Engine.Process(kit.Event("click", T0, cost: 1.25));
        kit.Engine.Process(kit.Event("spend", T0, cost: 2000));
        kit.Engine.Process(kit.Event("won", T0, amount: 12000.5));
        CounterView view = kit.Engine.Counters;
        Assert.Equal(2_001_250_000, view.SpendMicros(0));
        Assert.Equal(12_000_500_000, view.AmountMicros(0, kit.Funnel.IndexOf("won")));
    }

    [Fact]
    public void SumRolling_LastFiveMinutes_ExcludesOlderMinutes()
    {
        var kit = new EngineTestKit();
        kit.Process("click", T0);
        kit.Process("click", T0.AddMinutes(5));
        kit.Process("lead", T0.AddMinutes(9).AddSeconds(59));
        Span<long> perStage = stackalloc long[kit.Funnel.Stages.Count];
        kit.Engine.SumRolling(kit.Engine.Watermark, TimeSpan.FromMinutes(5), perStage);
        Assert.Equal(1, perStage[kit.Funnel.IndexOf("click")]);
        Assert.Equal(1, perStage[kit.Funnel.IndexOf("lead")]);
        kit.Engine.SumRolling(kit.Engine.Watermark, TimeSpan.FromHours(1), perStage);
        Assert.Equal(2, perStage[kit.Funnel.IndexOf("click")]);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new EngineTestKit(new EngineOptions { WindowSizes = [TimeSpan.FromMinutes(7)] }));
        Assert.Contains("WindowSizes", ex.Message);
        Assert.Contains("divide a day", ex.Message);
    }
}
