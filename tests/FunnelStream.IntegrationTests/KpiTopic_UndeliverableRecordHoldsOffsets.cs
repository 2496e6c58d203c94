using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// Without checkpoints: while the broker refuses the KPI records, the failed deliveries are counted
/// and retried, and the worker does not commit the input offsets of the batch that produced them;
/// once the broker accepts them again the records arrive and the offsets are committed.
/// </summary>
public sealed class KpiTopic_UndeliverableRecordHoldsOffsets
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ProduceRefused_OffsetsHeldUntilTheRecordIsDelivered()
    {
        await using var fixture = new WorkerFixture(partitions: 1, configure: o =>
        {
            // Without checkpoints the record's only copy is in memory until acknowledged, so it holds the
            // offsets. (With checkpoints it is in the checkpoint that commits them, and the next checkpoint
            // waits for its delivery: Chaos_WorkerKilledRepeatedly and docs/reliability.md.)
            o.State.Store = "none";
            o.Kafka.Topics = ["funnel.clicks"]; // one source: the closing event closes the window in its own batch
            o.Windows.Sizes = [TimeSpan.FromHours(1)];
            o.Leakage.Enabled = false; // needs a window dividing its evaluation interval; not under test here
            o.Outputs.RetryBackoff = TimeSpan.FromMilliseconds(200);
            o.Outputs.DeliveryTimeout = TimeSpan.FromSeconds(1);
        });
        DateTimeOffset t0 = KpiEvents.Base();
        var events = Enumerable.Range(0, 5)
            .Select(i => $$"""{"id":"c-{{i}}","type":"click","ts":"{{KpiEvents.Ts(t0.AddMinutes(i + 1))}}","journey":"j-{{i}}","campaign":"spring","channel":"linkedin"}""")
            // Ten minutes past the hour's end plus the allowed lateness: closes the first window.
            .Append($$"""{"id":"c-close","type":"click","ts":"{{KpiEvents.Ts(t0.AddMinutes(70))}}","journey":"j-9","campaign":"spring","channel":"linkedin"}""")
            .ToList();
        using (var producer = fixture.CreateProducer())
        {
            foreach (string json in events)
                await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, json);
        }

        // From now on the broker answers every produce request with a retriable error.
        fixture.Broker.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 100_000).ToArray());
        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Sum("funnel_events_total") == events.Count && s.Value("funnel_output_delivery_errors_total", ("topic", "funnel.kpis")) >= 2,
            Deadline);
        Assert.Equal(events.Count, m.Sum("funnel_events_total"));
        Assert.True(m.Value("funnel_output_delivery_errors_total", ("topic", "funnel.kpis")) >= 2, "no delivery error was counted");
        Assert.True(m.Value("funnel_output_pending_records") >= 1);

        // Longer than the 5 s auto-commit interval: an offset stored after applying would be committed by now.
        await Task.Delay(TimeSpan.FromSeconds(7));
        var tp = new TopicPartition("funnel.clicks", 0);
        Assert.True(Committed(fixture, tp) < events.Count, "the input offsets were committed past a record the broker never acknowledged");

        fixture.Broker.ClearRequestErrors(KafkaApiKey.Produce);
        DateTime until = DateTime.UtcNow + Deadline;
        while (Committed(fixture, tp) != events.Count)
        {
            Assert.True(DateTime.UtcNow < until, $"the offsets were not committed after the records were delivered (committed {Committed(fixture, tp)})");
            await Task.Delay(500);
        }
        using var reader = new KpiTopicReader(fixture.Broker.BootstrapServers);
        Assert.True(reader.ReadUntil(r => r.Any(x => x.ValueJson.GetProperty("final").GetBoolean()), Deadline), "the final record never arrived");
        Assert.Equal(5, reader.Records.Last(x => x.ValueJson.GetProperty("final").GetBoolean()).ValueJson.GetProperty("counts").GetProperty("click").GetInt64());
        Assert.Equal(0, (await fixture.ScrapeAsync()).Value("funnel_output_pending_records"));
    }

    /// <summary>The group's committed offset of <paramref name="tp"/>, or -1 when none.</summary>
    private static long Committed(WorkerFixture fixture, TopicPartition tp)
    {
        using IConsumer<byte[], byte[]> probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = fixture.Broker.BootstrapServers,
            GroupId = fixture.Settings.Raw.Kafka.GroupId,
            EnableAutoCommit = false,
        }).Build();
        Offset offset = probe.Committed([tp], TimeSpan.FromSeconds(10)).Single().Offset;
        return offset.Value >= 0 ? offset.Value : -1;
    }
}
