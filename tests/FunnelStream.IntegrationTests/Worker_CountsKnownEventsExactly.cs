using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Known events go through a real Kafka producer and the embedded broker; the worker's /metrics
/// shows exactly their counts, spend, revenue and rejections, and funnel.dlq holds exactly the
/// rejected records, unchanged, with the reason and their source in headers.
/// </summary>
public sealed class Worker_CountsKnownEventsExactly
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task KnownEvents_MetricsAndDeadLetters_Exact()
    {
        await using var fixture = new WorkerFixture();
        DateTimeOffset t0 = DateTimeOffset.UtcNow.AddMinutes(-20);
        var good = new List<(string Topic, string? Key, string Json)>();
        for (int i = 0; i < 10; i++)
            good.Add(("funnel.clicks", null, $$"""{"id":"imp-{{i}}","type":"impression","ts":"{{Ts(t0.AddSeconds(i))}}","campaign":"spring","channel":"linkedin","cost":0.01}"""));
        for (int i = 0; i < 4; i++)
            good.Add(("funnel.clicks", $"v-{i}", $$"""{"id":"clk-{{i}}","type":"click","ts":"{{Ts(t0.AddSeconds(20 + i))}}","journey":"v-{{i}}","campaign":"spring","channel":"linkedin","cost":1.25}"""));
        for (int i = 0; i < 2; i++)
            good.Add(("funnel.clicks", $"w-{i}", $$"""{"id":"clk-s{{i}}","type":"click","ts":"{{Ts(t0.AddSeconds(30 + i))}}","journey":"w-{{i}}","campaign":"summer","channel":"google_ads","cost":0.5}"""));
        good.Add(("funnel.leads", "v-0", $$"""{"id":"lead-0","type":"lead","ts":"{{Ts(t0.AddMinutes(1))}}","journey":"v-0","campaign":"spring","channel":"linkedin"}"""));
        good.Add(("funnel.leads", "v-1", $$"""{"id":"lead-1","type":"lead","ts":{{t0.AddMinutes(2).ToUnixTimeMilliseconds()}},"journey":"v-1","campaign":"spring","channel":"linkedin"}"""));
        good.Add(("funnel.deals", "v-0", $$"""{"id":"won-0","type":"won","ts":"{{Ts(t0.AddMinutes(3))}}","journey":"v-0","campaign":"spring","channel":"linkedin","amount":12000,"currency":"USD"}"""));
        good.Add(("funnel.clicks", null, $$"""{"id":"spend-0","type":"spend","ts":"{{Ts(t0.AddMinutes(4))}}","campaign":"spring","channel":"linkedin","cost":2000}"""));
        good.Add(("funnel.leads", "u-9", $$"""{"id":"lead-u","type":"lead","ts":"{{Ts(t0.AddMinutes(4))}}","journey":"u-9"}""")); // no dimensions: unknown/unknown
        // A producer retry: the same id again, counted once.
        var duplicate = ("funnel.clicks", (string?)"v-0", good[10].Json);
        var bad = new List<(string Topic, string? Key, string Json, string Reason)>
        {
            ("funnel.clicks", "x-1", "this is not json", "invalid_json"),
            ("funnel.clicks", "x-2", $$"""{"id":"bad-type","type":"pageview","ts":"{{Ts(t0)}}"}""", "unknown_type"),
            ("funnel.leads", "x-3", $$"""{"type":"lead","ts":"{{Ts(t0)}}","journey":"x-3"}""", "missing_id"),
            ("funnel.clicks", "x-4", $$"""{"id":"neg","type":"click","ts":"{{Ts(t0)}}","cost":-1}""", "invalid_money"),
            ("funnel.deals", "x-5", $$"""{"id":"fut","type":"won","ts":"{{Ts(DateTimeOffset.UtcNow.AddDays(2))}}","journey":"x-5","amount":5}""", "future_ts"),
            ("funnel.leads", "x-6", $$"""{"id":"nojourney","type":"mql","ts":"{{Ts(t0)}}"}""", "missing_journey"),
        };

        var delivered = new Dictionary<string, TopicPartitionOffset>();
        using (var producer = fixture.CreateProducer())
        {
            foreach ((string topic, string? key, string json) in good.Append(duplicate))
                await WorkerFixture.ProduceAsync(producer, topic, key, json);
            foreach ((string topic, string? key, string json, string _) in bad)
                delivered[json] = (await WorkerFixture.ProduceAsync(producer, topic, key, json)).TopicPartitionOffset;
        }
        int total = good.Count + 1 + bad.Count;

        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Value("funnel_consumer_records_total") == total && s.Sum("funnel_events_total") == good.Count,
            TimeSpan.FromSeconds(60));

        Assert.Equal(total, m.Value("funnel_consumer_records_total"));
        Assert.Equal(10, m.Value("funnel_events_total", ("stage", "impression"), ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(4, m.Value("funnel_events_total", ("stage", "click"), ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(2, m.Value("funnel_events_total", ("stage", "click"), ("campaign", "summer"), ("channel", "google_ads")));
        Assert.Equal(2, m.Value("funnel_events_total", ("stage", "lead"), ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(1, m.Value("funnel_events_total", ("stage", "lead"), ("campaign", "unknown"), ("channel", "unknown")));
        Assert.Equal(1, m.Value("funnel_events_total", ("stage", "won"), ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(1, m.Value("funnel_events_total", ("stage", "spend"), ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(good.Count, m.Sum("funnel_events_total"));
        Assert.Equal(2005.1, m.Value("funnel_spend_total", ("campaign", "spring"), ("channel", "linkedin"))!.Value, 9);
        Assert.Equal(1.0, m.Value("funnel_spend_total", ("campaign", "summer"), ("channel", "google_ads")));
        Assert.Equal(12000, m.Value("funnel_revenue_total", ("campaign", "spring"), ("channel", "linkedin")));
        Assert.Equal(1, m.Value("funnel_events_duplicate_total"));
        foreach (var group in bad.GroupBy(b => b.Reason))
            Assert.Equal(group.Count(), m.Value("funnel_events_rejected_total", ("reason", group.Key)));
        Assert.Equal(bad.Count, m.Sum("funnel_events_rejected_total"));
        // click -> lead over the last 24 h of event time: 2 leads with dimensions + 1 without, over 6 clicks.
        Assert.Equal(3.0 / 6, m.Value("funnel_conversion_ratio", ("from", "click"), ("to", "lead"), ("window", "24h")));

        // Dead letters: exactly the bad records, unchanged, with reason and source in headers.
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = fixture.Broker.BootstrapServers,
            GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe("funnel.dlq");
        var dead = new List<ConsumeResult<string?, byte[]>>();
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while (dead.Count < bad.Count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } r)
                dead.Add(r);
        }
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(2))); // and nothing more
        Assert.Equal(bad.Count, dead.Count);
        foreach ((string topic, string? key, string json, string reason) in bad)
        {
            ConsumeResult<string?, byte[]> r = Assert.Single(dead, d => Encoding.UTF8.GetString(d.Message.Value) == json);
            Assert.Equal(key, r.Message.Key);
            Assert.Equal(reason, Header(r, "funnelstream-reject-reason"));
            Assert.Equal(topic, Header(r, "funnelstream-source-topic"));
            Assert.Equal(delivered[json].Partition.Value.ToString(CultureInfo.InvariantCulture), Header(r, "funnelstream-source-partition"));
            Assert.Equal(delivered[json].Offset.Value.ToString(CultureInfo.InvariantCulture), Header(r, "funnelstream-source-offset"));
        }
        Assert.Equal(bad.Count, (await fixture.ScrapeAsync()).Value("funnel_dead_letter_records_total"));
    }

    private static string Header(ConsumeResult<string?, byte[]> r, string name) =>
        Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(name));
}
