using System.Text;
using System.Text.Json;
using FunnelStream.Events;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Tests.Topics;

public class RollingRecordEncoderTests
{
    private static readonly long End = new DateTimeOffset(2026, 11, 22, 10, 5, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void Value_Counts_ConversionsForNonZeroFromOnlyAndValidAgainstSchema()
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        var encoder = new RollingRecordEncoder(funnel);
        var perStage = new long[funnel.Stages.Count];
        perStage[funnel.IndexOf("impression")] = 200;
        perStage[funnel.IndexOf("click")] = 10;
        perStage[funnel.IndexOf("lead")] = 2;

        byte[] value = encoder.Value(TimeSpan.FromMinutes(5), End, End + 1500, perStage);
        JsonElement v = JsonDocument.Parse(value).RootElement;
        Assert.Equal(300, v.GetProperty("window_size_s").GetInt64());
        Assert.Equal("2026-11-22T10:05:00.000Z", v.GetProperty("window_end").GetString());
        Assert.Equal(10, v.GetProperty("counts").GetProperty("click").GetInt64());
        Assert.Equal(0.05, v.GetProperty("kpis").GetProperty("conversion.impression.click").GetDouble());
        Assert.Equal(0.2, v.GetProperty("kpis").GetProperty("conversion.click.lead").GetDouble());
        Assert.Equal(0.0, v.GetProperty("kpis").GetProperty("conversion.lead.mql").GetDouble());
        Assert.False(v.GetProperty("kpis").TryGetProperty("conversion.mql.sql", out _)); // no mql: no value

        FunnelStream.TestSupport.JsonSchemaCheck.AssertValid("kpi-rolling.schema.json", [Encoding.UTF8.GetString(value)]);
        FunnelStream.TestSupport.JsonSchemaCheck.AssertValid("kpi-rolling-key.schema.json", [Encoding.UTF8.GetString(encoder.Key(TimeSpan.FromHours(24)))]);
    }
}
