using FunnelStream.TestSupport;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// With FunnelStream:Events:SpendRestatements on, a later spend report for the same campaign, channel and
/// day, arriving after its window was published on funnel.kpis, brings the next revision of the same keys
/// with the new figure replacing the old one (not added to it), exactly as replay computes it.
/// </summary>
public sealed class KpiTopic_SpendRestatementGivesNextRevision
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RestatementAfterPublication_TopicEqualsReplayAndKeyGetsNextRevision()
    {
        await using var fixture = new WorkerFixture(configure: o =>
        {
            KpiTopic_MatchesReplayIncludingRevision.Configure(o);
            o.Events.SpendRestatements = true;
        });
        DateTimeOffset t0 = KpiEvents.Base();
        // The day's first spend report for summer/google_ads, near the end of the events (newest: t0+56m10s).
        string first = $$"""{"id":"spend-a","type":"spend","ts":"{{KpiEvents.Ts(t0.AddMinutes(53))}}","campaign":"summer","channel":"google_ads","cost":300}""";
        List<(string Topic, string Key, string Json)> events = [.. KpiEvents.Build(t0), ("funnel.clicks", "spend-a", first)];
        using (var producer = fixture.CreateProducer())
        {
            foreach ((string topic, string key, string json) in events)
                await WorkerFixture.ProduceAsync(producer, topic, key, json);
        }
        await fixture.StartAsync();
        IReadOnlyList<string> dims = fixture.Settings.Funnel.Dimensions;
        using var reader = new KpiTopicReader(fixture.Broker.BootstrapServers);

        var before = ReplayExpectation.Replay(fixture.Settings, events.Select(e => e.Json));
        Assert.True(reader.ReadUntil(r => ReplayExpectation.Same(before, ReplayExpectation.Latest(r, dims)), Deadline),
            "funnel.kpis does not match replay:\n" + ReplayExpectation.Describe(before, ReplayExpectation.Latest(reader.Records, dims)));

        // The platform corrects the figure: 300 becomes 450 for the same campaign, channel and day.
        string restated = $$"""{"id":"spend-b","type":"spend","ts":"{{KpiEvents.Ts(t0.AddMinutes(54))}}","campaign":"summer","channel":"google_ads","cost":450}""";
        string tenMinutes = ReplayExpectation.Id(600, KpiEvents.Ts(t0.AddMinutes(50)), ["summer", "google_ads"]);
        string hour = ReplayExpectation.Id(3600, KpiEvents.Ts(t0), ["summer", "google_ads"]);
        int firstRecords = reader.Records.Count;
        using (var producer = fixture.CreateProducer())
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", "spend-b", restated);

        var after = ReplayExpectation.Replay(fixture.Settings, events.Select(e => e.Json).Append(restated));
        foreach (string id in new[] { tenMinutes, hour })
        {
            Assert.Equal(before[id]["spend"] + 150, after[id]["spend"], 6); // replaced, not added (that would be +450)
            Assert.Equal(1, after[id]["events.spend"]);
        }
        Assert.True(reader.ReadUntil(r => ReplayExpectation.Same(after, ReplayExpectation.Latest(r, dims)), Deadline),
            "funnel.kpis does not match replay after the restatement:\n" + ReplayExpectation.Describe(after, ReplayExpectation.Latest(reader.Records, dims)));
        reader.ReadFor(TimeSpan.FromSeconds(3)); // anything else the worker would still publish

        // The restatement revised the two windows of summer/google_ads the first report was counted in, and added no key.
        List<KpiTopicRecord> revised = reader.Records.Skip(firstRecords).ToList();
        Assert.NotEmpty(revised);
        Assert.All(revised, r => Assert.True(r.Revision > 0, $"a new record after the restatement is revision 0: {r.Value}"));
        Assert.Equal(after.Keys.Order(), ReplayExpectation.Latest(reader.Records, dims).Keys.Order());
        foreach (IGrouping<string, KpiTopicRecord> key in reader.Records.GroupBy(r => r.Key))
            Assert.Equal(Enumerable.Range(0, key.Count()), key.Select(r => r.Revision).Order());
        JsonSchemaCheck.AssertValid("kpi-window.schema.json", reader.Records.Select(r => r.Value));

        ScrapedMetrics m = await fixture.ScrapeAsync();
        Assert.Equal(1, m.Value("funnel_spend_restatements_total"));
        Assert.Equal(0, m.Value("funnel_events_late_total", ("stage", "spend")));
    }
}
