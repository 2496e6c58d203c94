using FunnelStream.Engine;

namespace FunnelStream.Tests.Engine;

/// <summary><see cref="FunnelEngine.SumRollingTotals"/>: counts, amounts and spend over a rolling window and the one before it.</summary>
public class RollingTotalsTests
{
    private static StageTotals Sum(EngineTestKit kit, long endMs, TimeSpan window)
    {
        var totals = new StageTotals(kit.Funnel.Stages.Count);
        kit.Engine.SumRollingTotals(endMs, window, totals);
        return totals;
    }

    [Fact]
    public void SumRollingTotals_LastDayAndTheDayBefore_AmountsAndSpendOfEach()
    {
        var kit = new EngineTestKit();
        DateTimeOffset t = EngineTestKit.T0;
        kit.Engine.Process(kit.Event("won", t.AddHours(-30), amount: 1000, cost: 5));   // the day before
        kit.Engine.Process(kit.Event("spend", t.AddHours(-25), cost: 40));              // the day before
        kit.Engine.Process(kit.Event("won", t.AddHours(-2), amount: 250.5));            // the last day
        kit.Engine.Process(kit.Event("churn", t, amount: 10, cost: 0.25));              // the last day (newest)
        int won = kit.Funnel.IndexOf("won"), churn = kit.Funnel.IndexOf("churn");
        long newest = kit.Engine.NewestEventTimeMs;

        StageTotals day = Sum(kit, newest, TimeSpan.FromHours(24));
        Assert.Equal(1, day.Counts[won]);
        Assert.Equal(250_500_000, day.AmountsMicros[won]);
        Assert.Equal(10_000_000, day.AmountsMicros[churn]);
        Assert.Equal(250_000, day.SpendMicros);

        StageTotals before = Sum(kit, newest - (long)TimeSpan.FromHours(24).TotalMilliseconds, TimeSpan.FromHours(24));
        Assert.Equal(1, before.Counts[won]);
        Assert.Equal(1_000_000_000, before.AmountsMicros[won]);
        Assert.Equal(45_000_000, before.SpendMicros);
    }

    [Fact]
    public void SumRollingTotals_OlderThanTheRing_Forgotten()
    {
        var kit = new EngineTestKit(new EngineOptions { AllowedLateness = TimeSpan.FromDays(3) });
        DateTimeOffset t = EngineTestKit.T0;
        kit.Engine.Process(kit.Event("won", t, amount: 7));
        kit.Engine.Process(kit.Event("won", t.AddHours(48), amount: 3)); // reuses the bucket of t
        long newest = kit.Engine.NewestEventTimeMs;
        StageTotals before = Sum(kit, t.AddHours(24).ToUnixTimeMilliseconds(), TimeSpan.FromHours(24));
        Assert.Equal(0, before.Counts[kit.Funnel.IndexOf("won")]);
        Assert.Equal(3_000_000, Sum(kit, newest, TimeSpan.FromHours(24)).AmountsMicros[kit.Funnel.IndexOf("won")]);
    }
}
