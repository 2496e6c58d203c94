using System.Text.Json;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Tests.Topics;

/// <summary>The merge of partial aggregates (docs/topics.md, "Several instances"), fed records as a partials partition holds them.</summary>
public class KpiMergePartitionTests
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private static readonly long Hour = 3_600_000;
    private static readonly long T0 = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly (string, int)[] Inputs = [("funnel.clicks", 0), ("funnel.clicks", 1), ("funnel.leads", 0)];

    private static (KpiMergePartition Merge, KpiRecordList Out) Create()
    {
        var output = new KpiRecordList();
        return (new KpiMergePartition(new WindowMetrics(Funnel), "USD", Inputs, output), output);
    }

    private static PartialReport Report(string instance, long sequence, bool final, long clicks, string campaign = "spring")
    {
        var totals = new StageTotals(Funnel.Stages.Count);
        totals.Counts[Funnel.IndexOf("click")] = clicks;
        totals.SpendMicros = clicks * 1_250_000;
        return new PartialReport(instance, sequence, Hour, T0, final, [new PartialBreakdown([campaign, "linkedin"], totals)]);
    }

    /// <summary>Round-trips through the codec, as the merger reads records.</summary>
    private static object Wire(object record)
    {
        var codec = new PartialRecordCodec(Funnel);
        return codec.Decode(record is PartialReport r ? codec.Encode(r) : codec.Encode((PartialProgress)record));
    }

    [Fact]
    public void Apply_ReportsBeforeEveryPartitionClaimed_NothingUntilTheEmptyPartitionReports()
    {
        var (merge, output) = Create();
        merge.Apply(Wire(Report("a", 0, final: true, clicks: 3)));
        merge.Apply(Wire(new PartialProgress("a", [("funnel.clicks", 0), ("funnel.clicks", 1)], T0 + Hour, long.MinValue)));
        merge.Apply(Wire(Report("b", 0, final: true, clicks: 2)));
        Assert.Empty(output.Records); // funnel.leads/0 (instance b, no events in the window) has not claimed the window

        merge.Apply(Wire(new PartialProgress("b", [("funnel.leads", 0)], T0 + Hour, long.MinValue)));
        JsonElement v = Assert.Single(output.Values);
        Assert.Equal(5, v.GetProperty("counts").GetProperty("click").GetInt64());
        Assert.Equal(6.25m, v.GetProperty("spend").GetDecimal());
        Assert.True(v.GetProperty("final").GetBoolean());
        Assert.Equal(0, merge.OpenWindows);
    }

    [Fact]
    public void Apply_NewerReportAfterProvisionalMerge_NextRevisionWithTheNewerNumbers()
    {
        var (merge, output) = Create();
        merge.Apply(Wire(Report("a", 0, final: false, clicks: 3)));
        merge.Apply(Wire(new PartialProgress("a", Inputs, long.MinValue, T0 + Hour)));
        merge.Apply(Wire(Report("a", 0, final: false, clicks: 3))); // a producer retry's duplicate: nothing new
        merge.Apply(Wire(Report("a", 1, final: false, clicks: 4)));
        merge.Apply(Wire(Report("a", 2, final: true, clicks: 4)));
        merge.Apply(Wire(new PartialProgress("a", Inputs, T0 + Hour, T0 + Hour)));

        Assert.Equal([0, 1, 2], output.Records.Select(r => r.Revision));
        Assert.Equal([3L, 4L, 4L], output.Values.Select(v => v.GetProperty("counts").GetProperty("click").GetInt64()));
        Assert.Equal([false, false, true], output.Values.Select(v => v.GetProperty("final").GetBoolean()));
    }

    [Fact]
    public void Apply_Replaying_StateRebuiltWithoutPublishingThenContinuesNumbering()
    {
        var (merge, output) = Create();
        merge.Replaying = true;
        merge.Apply(Wire(Report("a", 0, final: false, clicks: 3)));
        merge.Apply(Wire(new PartialProgress("a", Inputs, long.MinValue, T0 + Hour)));
        Assert.Empty(output.Records);

        merge.Replaying = false;
        merge.Apply(Wire(Report("a", 1, final: false, clicks: 5)));
        KpiRecord record = Assert.Single(output.Records);
        Assert.Equal(1, record.Revision); // the previous owner published revision 0
    }

    [Fact]
    public void Encode_ReportsAndProgress_ValidAgainstTheSchema()
    {
        var codec = new PartialRecordCodec(Funnel);
        FunnelStream.TestSupport.JsonSchemaCheck.AssertValid("kpi-partial.schema.json",
        [
            KpiRecordList.Text(codec.Encode(Report("a", 0, final: false, clicks: 3))),
            KpiRecordList.Text(codec.Encode(new PartialProgress("a", Inputs, long.MinValue, T0))),
        ]);
    }
}
