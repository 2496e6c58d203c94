using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Outputs.Topics;
using FunnelStream.Tests.Engine;
using static FunnelStream.Tests.Engine.EngineTestKit;

namespace FunnelStream.Tests.Topics;

/// <summary>A spend restatement of a window already published on funnel.kpis gives the same key's next revision, with the KPIs recomputed.</summary>
public class KpiWindowRecordsRestatementTests
{
    private const long Idle = 30_000;

    [Fact]
    public void Process_RestatementAfterPublication_NextRevisionWithNewSpendAndKpis()
    {
        var kit = new EngineTestKit();
        var list = new KpiRecordList();
        var engine = new FunnelEngine(kit.Funnel, new EngineOptions
        {
            WindowSizes = [TimeSpan.FromHours(1)],
            AllowedLateness = TimeSpan.FromMinutes(5),
            IdleSourceTimeout = TimeSpan.FromMilliseconds(Idle),
            SpendRestatements = true,
        }, kit.Interners, new KpiWindowRecords(new WindowMetrics(kit.Funnel), "USD", list));
        long now = T0.AddHours(5).ToUnixTimeMilliseconds();
        engine.SetProcessingTime(now);
        engine.Process(kit.Event("click", T0.AddMinutes(50)));
        engine.Process(kit.Event("click", T0.AddMinutes(51)));
        engine.Process(kit.Event("spend", T0.AddMinutes(52), cost: 10));
        engine.SetProcessingTime(now + Idle);
        JsonElement first = Assert.Single(list.Values);
        Assert.Equal(10m, first.GetProperty("spend").GetDecimal());
        Assert.Equal(5.0, first.GetProperty("kpis").GetProperty("cpc").GetDouble());

        // The advertiser's report is corrected: 10 becomes 16 for the same campaign/channel/day.
        Assert.Equal(EventOutcome.Counted, engine.Process(kit.Event("spend", T0.AddMinutes(53), cost: 16)));
        engine.SetProcessingTime(now + 2 * Idle);

        Assert.Equal(2, list.Records.Count);
        Assert.Equal(list.Records[0].Key, list.Records[1].Key);
        JsonElement revised = list.Value(1);
        Assert.Equal(1, revised.GetProperty("revision").GetInt32());
        Assert.Equal(16m, revised.GetProperty("spend").GetDecimal());
        Assert.Equal(1, revised.GetProperty("counts").GetProperty("spend").GetInt64()); // one record, revised; not a second one
        Assert.Equal(8.0, revised.GetProperty("kpis").GetProperty("cpc").GetDouble());
    }
}
