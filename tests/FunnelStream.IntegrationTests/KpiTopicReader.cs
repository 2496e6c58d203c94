using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A separate consumer (its own group) of <c>funnel.kpis</c>, as a downstream service would read it:
/// every record with its key, value and headers, parsed.
/// </summary>
internal sealed class KpiTopicReader : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;

    public KpiTopicReader(string bootstrapServers, string topic = "funnel.kpis")
    {
        _consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "kpi-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        _consumer.Subscribe(topic);
    }

    /// <summary>Every record read so far, in the order read.</summary>
    public List<KpiTopicRecord> Records { get; } = [];

    /// <summary>Reads until <paramref name="done"/> holds for the records read so far, or the deadline passes.</summary>
    public bool ReadUntil(Func<List<KpiTopicRecord>, bool> done, TimeSpan deadline)
    {
        DateTime until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            if (done(Records))
                return true;
            ReadFor(TimeSpan.FromMilliseconds(300));
        }
        return done(Records);
    }

    /// <summary>Reads whatever arrives within <paramref name="span"/>.</summary>
    public void ReadFor(TimeSpan span)
    {
        DateTime until = DateTime.UtcNow + span;
        while (DateTime.UtcNow < until)
        {
            ConsumeResult<byte[], byte[]>? r = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null || r.IsPartitionEOF)
                continue;
            Records.Add(new KpiTopicRecord(
                Encoding.UTF8.GetString(r.Message.Key),
                Encoding.UTF8.GetString(r.Message.Value),
                r.Message.Headers.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes())),
                r.Partition.Value));
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}

/// <summary>One record of <c>funnel.kpis</c> as read.</summary>
internal sealed record KpiTopicRecord(string Key, string Value, Dictionary<string, string> Headers, int Partition)
{
    public JsonElement ValueJson => JsonDocument.Parse(Value).RootElement;

    public int Revision => ValueJson.GetProperty("revision").GetInt32();
}
