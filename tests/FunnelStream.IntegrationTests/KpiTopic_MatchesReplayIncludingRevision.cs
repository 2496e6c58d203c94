using FunnelStream.Configuration;
using FunnelStream.TestSupport;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Events in through the embedded broker; a separate consumer of funnel.kpis reads exactly the
/// records replay computes for the same events (same keys, same values, highest revision per key),
/// and an event within the allowed lateness of an already-published window brings a new revision of
/// that key, never a second independent record. Every record passes the JSON Schema.
/// </summary>
public sealed class KpiTopic_MatchesReplayIncludingRevision
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    internal static void Configure(FunnelStreamOptions o)
    {
        o.Windows.Sizes = [TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];
        // A quiet stream publishes after 2 s of silence (issue 5, "Quiet streams").
        o.Windows.IdleSourceTimeout = TimeSpan.FromSeconds(2);
        // Leakage detection needs a window that divides its 5 min evaluation interval; not under test here.
        o.Leakage.Enabled = false;
    }

    [Fact]
    public async Task LateEventAfterPublication_TopicEqualsReplayAndKeyGetsNextRevision()
    {
        await using var fixture = new WorkerFixture(configure: Configure);
        DateTimeOffset t0 = KpiEvents.Base();
        List<(string Topic, string Key, string Json)> events = KpiEvents.Build(t0);
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

        // The newest event is at t0+56m10s; this click at t0+52m is within the 5 min allowed lateness (replay
        // counts it), but its 10-minute window [t0+50m, t0+60m) was published when the stream went quiet.
        string late = $$"""{"id":"clk-late","type":"click","ts":"{{KpiEvents.Ts(t0.AddMinutes(52))}}","journey":"j-late","campaign":"summer","channel":"google_ads","cost":0.75}""";
        string lateId = ReplayExpectation.Id(600, KpiEvents.Ts(t0.AddMinutes(50)), ["summer", "google_ads"]);
        Assert.True(before.ContainsKey(lateId));
        int firstRecords = reader.Records.Count;
        using (var producer = fixture.CreateProducer())
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", "j-late", late);

        var after = ReplayExpectation.Replay(fixture.Settings, events.Select(e => e.Json).Append(late));
        Assert.NotEqual(before[lateId]["events.click"], after[lateId]["events.click"]);
        Assert.True(reader.ReadUntil(r => ReplayExpectation.Same(after, ReplayExpectation.Latest(r, dims)), Deadline),
            "funnel.kpis does not match replay after the late event:\n" + ReplayExpectation.Describe(after, ReplayExpectation.Latest(reader.Records, dims)));
        reader.ReadFor(TimeSpan.FromSeconds(3)); // anything else the worker would still publish

        // The late event revised existing keys (its 10-minute and its hour window), it added none.
        List<KpiTopicRecord> revised = reader.Records.Skip(firstRecords).ToList();
        Assert.NotEmpty(revised);
        Assert.All(revised, r => Assert.True(r.Revision > 0, $"a new record after the late event is revision 0: {r.Value}"));
        Assert.Equal(after.Keys.Order(), ReplayExpectation.Latest(reader.Records, dims).Keys.Order());
        // One record per key and revision, revisions 0..n without gaps, and the key bytes identical across revisions.
        foreach (IGrouping<string, KpiTopicRecord> key in reader.Records.GroupBy(r => r.Key))
            Assert.Equal(Enumerable.Range(0, key.Count()), key.Select(r => r.Revision).Order());
        Assert.Equal(after.Count, reader.Records.Select(r => r.Key).Distinct().Count());
        Assert.All(reader.Records, r =>
        {
            Assert.Equal("funnelstream.kpi.window/1", r.Headers["funnelstream-schema"]);
            Assert.Equal(r.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Headers["funnelstream-revision"]);
        });

        JsonSchemaCheck.AssertValid("kpi-window.schema.json", reader.Records.Select(r => r.Value));
        JsonSchemaCheck.AssertValid("kpi-window-key.schema.json", reader.Records.Select(r => r.Key));
    }
}
