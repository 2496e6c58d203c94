using System.Text;
using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A rejected record's dead letter carries the record's own headers (a trace id, say) ahead of the
/// worker's reason and source headers; a record without headers gets only the worker's.
/// </summary>
public sealed class DeadLetter_ForwardsTheRecordsOwnHeaders
{
    [Fact]
    public async Task RejectedRecords_WithAndWithoutHeaders_DeadLettersCarryTheirOwn()
    {
        await using var fixture = new WorkerFixture(partitions: 1, configure: o => o.Kafka.Topics = ["funnel.clicks"]);
        using (IProducer<string?, byte[]> producer = fixture.CreateProducer())
        {
            await producer.ProduceAsync("funnel.clicks", new Message<string?, byte[]>
            {
                Value = Encoding.UTF8.GetBytes("""{"id":"bad-traced","type":"teleport","ts":"2026-01-01T00:00:00Z"}"""),
                Headers = new Headers { { "trace-id", Encoding.UTF8.GetBytes("t-42") } },
            });
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, """{"id":"bad-plain","type":"teleport","ts":"2026-01-01T00:00:00Z"}""");
        }
        await fixture.StartAsync();
        await fixture.ScrapeUntilAsync(m => m.Value("funnel_dead_letter_records_total") == 2, TimeSpan.FromSeconds(60));

        List<Headers> dead = KnownEventSet.DeadLetterHeaders(fixture.Broker.BootstrapServers);
        Assert.Equal(2, dead.Count);
        Assert.Equal("t-42", Encoding.UTF8.GetString(dead[0].GetLastBytes("trace-id")));
        Assert.Equal("0", Encoding.UTF8.GetString(dead[0].GetLastBytes("funnelstream-source-offset")));
        Assert.False(dead[1].TryGetLastBytes("trace-id", out _));
        Assert.Equal("1", Encoding.UTF8.GetString(dead[1].GetLastBytes("funnelstream-source-offset")));
    }
}
