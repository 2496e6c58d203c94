using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FunnelStream.Configuration;
using FunnelStream.Engine.Leakage;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// MQLs that stop converting, then convert again, go through the embedded broker to the worker: the
/// leak's opened and resolved records appear on funnel.alerts as JSON, keyed by the alert id, and
/// /metrics shows the leakage gauges.
/// </summary>
public sealed class Worker_LeakAlert_PublishedOnAlertsTopic
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task LeakThenRecovery_OpenedAndResolvedRecordsOnFunnelAlerts()
    {
        await using var fixture = new WorkerFixture(configure: o =>
        {
            // MQL -> SQL against the 13 % benchmark over a 30 min window, so an hour of event time shows a leak.
            o.Leakage.RollingWindow = TimeSpan.FromMinutes(30);
            o.Leakage.Transitions = [new LeakageTransitionSettings { From = "mql", To = "sql", Benchmark = 0.13, Baseline = BaselineKind.None }];
        });
        fixture.Broker.CreateTopic("funnel.alerts", 1);

        // 1 h with 60 MQLs and no SQL every 5 min, then 2 h at 25 %; ending 15 min ago.
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(now / 300_000 * 300_000).AddHours(-3).AddMinutes(-15);
        int records = 0;
        using (var producer = fixture.CreateProducer())
        {
            for (int interval = 0; interval < 36; interval++)
            {
                int sql = interval < 12 ? 0 : 15;
                for (int k = 0; k < 60 + sql; k++)
                {
                    string stage = k < 60 ? "mql" : "sql";
                    string journey = $"j-{interval}-{k % 60}";
                    DateTimeOffset ts = t0.AddMinutes(5 * interval).AddSeconds(k * 300.0 / (60 + sql));
                    producer.Produce("funnel.leads", new Message<string?, byte[]>
                    {
                        Key = journey,
                        Value = Encoding.UTF8.GetBytes($$"""{"id":"{{stage}}-{{interval}}-{{k}}","type":"{{stage}}","ts":"{{Ts(ts)}}","journey":"{{journey}}","campaign":"spring","channel":"linkedin"}"""),
                    });
                    records++;
                }
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        }

        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Value("funnel_consumer_records_total") == records && s.Value("funnel_leakage_alerts_resolved_total") >= 1,
            TimeSpan.FromSeconds(120));
        Assert.Equal(records, m.Value("funnel_consumer_records_total"));
        (string, string)[] total = [("from", "mql"), ("to", "sql"), ("scope", "total"), ("rate_source", "count")];
        Assert.Equal(0, m.Value("funnel_leakage_active", total));
        Assert.Equal(1, m.Value("funnel_leakage_sample_sufficient", total));
        Assert.Equal(0.13, m.Value("funnel_leakage_threshold_ratio", total));
        Assert.InRange(m.Value("funnel_conversion_lower_ratio", total)!.Value, 0.15, 0.25);
        Assert.InRange(m.Value("funnel_conversion_upper_ratio", total)!.Value, 0.25, 0.35);
        // total, campaign=spring and channel=linkedin each leaked once.
        Assert.Equal(3, m.Value("funnel_leakage_alerts_opened_total"));
        (int lint, string complaints) = PromtoolCheckMetrics(m.Text);
        Assert.True(lint == 0 && complaints.Length == 0, $"promtool check metrics: {complaints}");

        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = fixture.Broker.BootstrapServers,
            GroupId = "alerts-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe("funnel.alerts");
        var alerts = new List<ConsumeResult<string?, byte[]>>();
        DateTime until = DateTime.UtcNow.AddSeconds(60);
        while (!alerts.Any(IsTotalResolved) && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } r)
                alerts.Add(r);
        }

        ConsumeResult<string?, byte[]>[] totals = alerts.Where(r => Field(r, "scope") == "total").ToArray();
        // Opened, an hourly update while open, resolved: one alert's records, in order.
        Assert.Equal(["opened", "updated", "resolved"], totals.Select(r => Field(r, "kind")));
        Assert.All(totals, r => Assert.Equal(Field(r, "alert_id"), r.Message.Key));
        Assert.All(totals, r => Assert.Equal(Field(r, "kind"), Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("funnelstream-alert-kind"))));
        Assert.Single(totals.Select(r => r.Message.Key).Distinct());
        Assert.StartsWith("mql->sql|total|", totals[0].Message.Key);
        using JsonDocument opened = JsonDocument.Parse(totals[0].Message.Value);
        Assert.Equal(0, opened.RootElement.GetProperty("to_events").GetInt64());
        Assert.True(opened.RootElement.GetProperty("upper").GetDouble() < 0.13);
        Assert.Equal("benchmark", opened.RootElement.GetProperty("threshold_kind").GetString());
        DateTimeOffset firstSeen = DateTimeOffset.Parse(opened.RootElement.GetProperty("first_seen").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(firstSeen, t0.AddMinutes(30), t0.AddMinutes(65));
    }

    private static (int Code, string Output) PromtoolCheckMetrics(string exposition)
    {
        var info = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process p = Process.Start(info) ?? throw new InvalidOperationException("promtool is required; ./test.sh installs it");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(exposition);
        p.StandardInput.Close();
        p.WaitForExit();
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    private static bool IsTotalResolved(ConsumeResult<string?, byte[]> r) => Field(r, "scope") == "total" && Field(r, "kind") == "resolved";

    private static string? Field(ConsumeResult<string?, byte[]> r, string name)
    {
        using JsonDocument doc = JsonDocument.Parse(r.Message.Value);
        return doc.RootElement.GetProperty(name).GetString();
    }
}
