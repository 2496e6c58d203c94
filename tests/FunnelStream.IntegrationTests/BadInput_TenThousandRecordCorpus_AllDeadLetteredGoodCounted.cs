using System.Text;
using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Issue 6's bad-input test: 10,000 generated bad records of every kind, interleaved with good
/// ones, through the embedded broker. Rejected count = dead-letter count = corpus size, every kind's
/// reason appears, and the good records are all counted exactly; the worker stays up and ready.
/// </summary>
public sealed class BadInput_TenThousandRecordCorpus_AllDeadLetteredGoodCounted
{
    private const int CorpusSize = 10_000;

    [Fact]
    public async Task Run_CorpusInterleavedWithGoodRecords_RejectedEqualsDeadLetteredEqualsCorpus()
    {
        // The corpus (over 4 MB with its two 1 MB+ records) is dead-lettered to a topic of its own with
        // 4 partitions, so the embedded broker's ~5 MB per partition keeps all of it for the check.
        await using var fixture = new WorkerFixture(partitions: 2, configure: o => o.Kafka.DeadLetterTopic = "corpus.dlq");
        fixture.Broker.CreateTopic("corpus.dlq", 4);
        await fixture.StartAsync();
        var good = new KnownEventSet(seed: 14, good: 2000, retryRate: 0, badRate: 0, DateTimeOffset.UtcNow);
        List<(string Key, byte[] Value)> bad = BadRecordCorpus.Generate(CorpusSize, huge: 2, DateTimeOffset.UtcNow);

        // Interleave: five bad records after every good one, until both run out.
        using IProducer<string?, byte[]> producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig
        {
            BootstrapServers = fixture.Broker.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
            MessageMaxBytes = 4 * 1024 * 1024,
        }).Build();
        var pending = new List<Task<DeliveryResult<string?, byte[]>>>();
        int b = 0;
        foreach ((string topic, string? key, string json) in good.Records)
        {
            pending.Add(producer.ProduceAsync(topic, new Message<string?, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(json) }));
            for (int k = 0; k < 5 && b < bad.Count; k++, b++)
                pending.Add(producer.ProduceAsync("funnel.clicks", new Message<string?, byte[]> { Key = bad[b].Key, Value = bad[b].Value }));
        }
        for (; b < bad.Count; b++)
            pending.Add(producer.ProduceAsync("funnel.clicks", new Message<string?, byte[]> { Key = bad[b].Key, Value = bad[b].Value }));
        await Task.WhenAll(pending);

        ScrapedMetrics last = await fixture.ScrapeUntilAsync(
            m => good.Differences(m).Count == 0 && m.Value("funnel_dead_letter_records_total") >= CorpusSize, TimeSpan.FromSeconds(120));
        Assert.Empty(good.Differences(last));
        Assert.Equal(CorpusSize, last.Sum("funnel_events_rejected_total"));
        Assert.Equal(CorpusSize, last.Value("funnel_dead_letter_records_total"));
        Assert.Equal(0, last.Value("funnel_dead_letter_errors_total"));
        foreach (string reason in BadRecordCorpus.ExpectedReasons)
            Assert.True(last.Value("funnel_events_rejected_total", ("reason", reason)) > 0, $"no record rejected as {reason}");

        HashSet<string> sources = KnownEventSet.DeadLetterSources(fixture.Broker.BootstrapServers, "corpus.dlq");
        Assert.Equal(CorpusSize, sources.Count);
        Assert.Equal(200, await FaultTestKit.ReadyStatusAsync(fixture));
    }
}
