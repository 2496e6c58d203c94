using System.Text;
using System.Text.Json;
using FunnelStream.Engine.Leakage;
using FunnelStream.Generator;
using FunnelStream.Outputs.Replay;
using FunnelStream.Tests.Leakage;

namespace FunnelStream.Tests.Replay;

// replay --alerts: the detector runs over the file in event time and its records come out as JSON lines.
public class ReplayAlertsTests
{
    private static readonly DateTimeOffset LeakStart = LeakageTestKit.Start.AddHours(4);

    private static readonly LeakageOptions BenchmarkOnly = new()
    {
        // A benchmark of 15 % that the healthy 20 % clears and a funnel with one campaign of three closed does not.
        RollingWindow = TimeSpan.FromHours(2),
        Transitions = [new LeakageTransitionOptions { From = "mql", To = "sql", Benchmark = 0.15, Baseline = BaselineKind.None }],
    };

    private static readonly Lazy<byte[]> Input = new(() =>
    {
        // 12 h; MQL -> SQL closed on the webinar campaign from 4 h to 8 h.
        TrafficOptions traffic = LeakageTestKit.Traffic(seed: 3, TimeSpan.FromHours(12), eventsPerSecond: 5,
            new LeakOptions { From = "mql", To = "sql", Campaign = "webinar-q4", Factor = 0, Start = LeakStart, End = LeakStart.AddHours(4) });
        using var stream = new MemoryStream();
        JsonLinesWriter.Write(new TrafficGenerator(traffic).Generate(), stream);
        return stream.ToArray();
    });

    private static (string Windows, string Alerts) Replay(LeakageOptions? leakage)
    {
        using var input = new MemoryStream(Input.Value);
        using var output = new StringWriter();
        using var alerts = new StringWriter();
        ReplayRunner.Run(input, output, new ReplayOptions
        {
            By = ["campaign"],
            Now = LeakageTestKit.Start.AddDays(1),
            Leakage = leakage,
            Alerts = leakage is null ? null : new ReplayAlertWriter(alerts),
        });
        return (output.ToString(), alerts.ToString());
    }

    [Fact]
    public void Run_WithLeakage_WritesAlertRecordsAsJsonLinesInEventTime()
    {
        (_, string alerts) = Replay(BenchmarkOnly);
        JsonElement[] records = alerts.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

        JsonElement[] total = records.Where(r => r.GetProperty("scope").GetString() == "total").ToArray();
        Assert.Equal("opened", total[0].GetProperty("kind").GetString());
        Assert.Equal("resolved", total[^1].GetProperty("kind").GetString());
        Assert.Single(total.Select(r => r.GetProperty("alert_id").GetString()).Distinct());
        var firstSeen = DateTimeOffset.Parse(total[0].GetProperty("first_seen").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        // Within 4 h: the 2 h window, plus the tail of SQLs from MQLs before the leak (delays up to hours).
        Assert.InRange(firstSeen, LeakStart, LeakStart.AddHours(4));
        JsonElement attribution = Assert.Single(total[0].GetProperty("attribution").EnumerateArray());
        Assert.Equal("webinar-q4", attribution.GetProperty("value").GetString());
        Assert.Contains(records, r => r.GetProperty("scope").GetString() == "campaign=webinar-q4" && r.GetProperty("kind").GetString() == "opened");
        Assert.DoesNotContain(records, r => r.GetProperty("scope").GetString() is "campaign=spring-sale" or "campaign=brand");
        // Event-time order.
        Assert.Equal(records.Select(r => r.GetProperty("evaluated_at").GetString()).Order(StringComparer.Ordinal),
            records.Select(r => r.GetProperty("evaluated_at").GetString()));
    }

    [Fact]
    public void Run_WithLeakage_WindowOutputUnchanged()
    {
        // The detector's extra 5 min windows never reach the 1 h window output.
        Assert.Equal(Replay(null).Windows, Replay(BenchmarkOnly).Windows);
    }
}
