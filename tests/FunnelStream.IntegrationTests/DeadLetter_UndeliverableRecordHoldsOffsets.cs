using Confluent.Kafka;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// While the broker refuses the dead letters, the failed deliveries are counted and retried, and the
/// worker does not commit the offsets of the rejected records; once the broker accepts them again
/// every dead letter arrives exactly once and the offsets are committed. (Before this, a dead letter
/// that failed past the delivery timeout was dropped while its offset was committed.)
/// </summary>
public sealed class DeadLetter_UndeliverableRecordHoldsOffsets
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ProduceRefused_OffsetsHeldUntilEveryDeadLetterIsDelivered()
    {
        await using var fixture = new WorkerFixture(partitions: 1, configure: o =>
        {
            o.Kafka.Topics = ["funnel.clicks"];
            o.Outputs.DeliveryTimeout = TimeSpan.FromSeconds(1);
        });
        const int Bad = 5;
        using (var producer = fixture.CreateProducer())
        {
            for (int i = 0; i < Bad; i++)
                await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, $$"""{"id":"bad-{{i}}","type":"teleport","ts":"2026-01-01T00:00:00Z"}""");
        }

        // From now on the broker answers every produce request with a retriable error.
        fixture.Broker.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 100_000).ToArray());
        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(
            s => s.Sum("funnel_events_rejected_total") == Bad && s.Value("funnel_dead_letter_errors_total") >= 2, Deadline);
        Assert.Equal(Bad, m.Sum("funnel_events_rejected_total"));
        Assert.True(m.Value("funnel_dead_letter_errors_total") >= 2, "no failed dead-letter delivery was counted");

        // Longer than the 5 s auto-commit interval: an offset stored regardless of the dead letter would be committed by now.
        await Task.Delay(TimeSpan.FromSeconds(7));
        var tp = new TopicPartition("funnel.clicks", 0);
        Assert.True(Committed(fixture, tp) < Bad, "the input offsets were committed past a record whose dead letter the broker never acknowledged");

        fixture.Broker.ClearRequestErrors(KafkaApiKey.Produce);
        DateTime until = DateTime.UtcNow + Deadline;
        while (Committed(fixture, tp) != Bad)
        {
            Assert.True(DateTime.UtcNow < until, $"the offsets were not committed after the dead letters were delivered (committed {Committed(fixture, tp)})");
            await Task.Delay(500);
        }
        Assert.Equal(Bad, (await fixture.ScrapeAsync()).Value("funnel_dead_letter_records_total"));
        Assert.Equal(Bad, KnownEventSet.DeadLetterSources(fixture.Broker.BootstrapServers).Count);
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
