using System.Text.Json;
using FunnelStream.Kafka.Tests.EmbeddedBroker;
using FunnelStream.TestSupport;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// kcat, an outside Kafka client, reads funnel.kpis and funnel.kpis.rolling with the commands of
/// docs/topics.md: keys and values are JSON that passes the schemas, with the documented headers.
/// </summary>
public sealed class KpiTopics_ReadWithKcat
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Kcat_KpiAndRollingTopics_JsonWithSchemaAndHeaders()
    {
        await using var fixture = new WorkerFixture(configure: o =>
        {
            KpiTopic_MatchesReplayIncludingRevision.Configure(o);
            o.Outputs.RollingInterval = TimeSpan.FromSeconds(1);
        });
        List<(string Topic, string Key, string Json)> events = KpiEvents.Build(KpiEvents.Base(), journeys: 6);
        using (var producer = fixture.CreateProducer())
        {
            foreach ((string topic, string key, string json) in events)
                await WorkerFixture.ProduceAsync(producer, topic, key, json);
        }
        await fixture.StartAsync();
        int expectedKeys = ReplayExpectation.Replay(fixture.Settings, events.Select(e => e.Json)).Count;

        List<JsonElement> kpis = ReadUntil(fixture, "funnel.kpis", r => r.Select(e => e.GetProperty("key").GetString()).Distinct().Count() >= expectedKeys);
        JsonSchemaCheck.AssertValid("kpi-window.schema.json", kpis.Select(e => e.GetProperty("payload").GetString()!));
        JsonSchemaCheck.AssertValid("kpi-window-key.schema.json", kpis.Select(e => e.GetProperty("key").GetString()!));
        Assert.All(kpis, e =>
        {
            Dictionary<string, string> headers = Headers(e);
            Assert.Equal("application/json", headers["content-type"]);
            Assert.Equal("funnelstream.kpi.window/1", headers["funnelstream-schema"]);
            int revision = JsonDocument.Parse(e.GetProperty("payload").GetString()!).RootElement.GetProperty("revision").GetInt32();
            Assert.Equal(revision.ToString(System.Globalization.CultureInfo.InvariantCulture), headers["funnelstream-revision"]);
        });

        // One rolling record per configured rolling window (5 min, 1 h, 24 h) each second.
        List<JsonElement> rolling = ReadUntil(fixture, "funnel.kpis.rolling", r => r.Count >= 3);
        JsonSchemaCheck.AssertValid("kpi-rolling.schema.json", rolling.Select(e => e.GetProperty("payload").GetString()!));
        JsonSchemaCheck.AssertValid("kpi-rolling-key.schema.json", rolling.Select(e => e.GetProperty("key").GetString()!));
        Assert.Equal([300L, 3600L, 86400L], rolling.Select(e => JsonDocument.Parse(e.GetProperty("key").GetString()!).RootElement.GetProperty("window_size_s").GetInt64()).Distinct().Order());
        JsonElement day = rolling.Select(e => JsonDocument.Parse(e.GetProperty("payload").GetString()!).RootElement)
            .Last(v => v.GetProperty("window_size_s").GetInt64() == 86400);
        Assert.Equal(6, day.GetProperty("counts").GetProperty("click").GetInt64()); // six journeys, one click each, the duplicate dropped
        Assert.Equal(1.0, day.GetProperty("kpis").GetProperty("conversion.impression.click").GetDouble());
        Assert.All(rolling, e => Assert.Equal("funnelstream.kpi.rolling/1", Headers(e)["funnelstream-schema"]));
    }

    /// <summary><c>kcat -C -e -J</c> (the envelope: key, payload, headers) until <paramref name="done"/> holds.</summary>
    private static List<JsonElement> ReadUntil(WorkerFixture fixture, string topic, Func<List<JsonElement>, bool> done)
    {
        DateTime until = DateTime.UtcNow + Deadline;
        while (true)
        {
            Kcat.Result result = Kcat.Run(["-b", fixture.Broker.BootstrapServers, "-t", topic, "-C", "-e", "-J", "-q"], null, TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, $"kcat failed: {result.Stderr}");
            List<JsonElement> records = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).ToList();
            if (done(records))
                return records;
            Assert.True(DateTime.UtcNow < until, $"kcat did not read the expected records from {topic} within {Deadline.TotalSeconds:0} s; got {records.Count}: {result.Stdout}");
            Thread.Sleep(500);
        }
    }

    /// <summary>kcat -J writes headers as a flat array: name, value, name, value, ...</summary>
    private static Dictionary<string, string> Headers(JsonElement envelope)
    {
        var headers = new Dictionary<string, string>();
        if (!envelope.TryGetProperty("headers", out JsonElement h))
            return headers;
        JsonElement[] items = h.EnumerateArray().ToArray();
        for (int i = 0; i + 1 < items.Length; i += 2)
            headers[items[i].GetString()!] = items[i + 1].GetString()!;
        return headers;
    }
}
