using Confluent.Kafka;
using FunnelStream.Kafka.Ingest;

namespace FunnelStream.Kafka.Tests.Ingest;

/// <summary>
/// The worker's consumer settings: a deep prefetch queue by default (the load harness measured the
/// client's default holding the worker at about a quarter of its throughput), which an operator's
/// <c>Kafka:Client</c> setting overrides; the settings offsets and dead letters rely on always win.
/// </summary>
public class ConsumerConfigTests
{
    [Fact]
    public void ConsumerConfigFor_NoClientSetting_PrefetchesDeeply()
    {
        ConsumerConfig config = KafkaIngestPipeline.ConsumerConfigFor(new IngestOptions { BootstrapServers = "b:9092" });

        Assert.Equal(KafkaIngestPipeline.DefaultQueuedMinMessages, config.QueuedMinMessages);
        Assert.Equal(262_144, config.QueuedMaxMessagesKbytes); // a second of catching up fits: no idle wait for the fetcher's tick
        Assert.Equal("b:9092", config.BootstrapServers);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal("topic,headers", config.Get("dotnet.consumer.consume.result.fields"));
        Assert.Equal(KafkaIngestPipeline.StatisticsIntervalMs, config.StatisticsIntervalMs); // outage detection reads the reports
    }

    [Fact]
    public void ConsumerConfigFor_OperatorSetsQueueLimits_TheirValuesKept()
    {
        var options = new IngestOptions
        {
            BootstrapServers = "b:9092",
            Client = new Dictionary<string, string>
            {
                ["queued.min.messages"] = "5000",
                ["queued.max.messages.kbytes"] = "16384",
                ["enable.auto.offset.store"] = "true",
            },
        };

        ConsumerConfig config = KafkaIngestPipeline.ConsumerConfigFor(options);

        Assert.Equal(5000, config.QueuedMinMessages);
        Assert.Equal(16384, config.QueuedMaxMessagesKbytes);
        Assert.False(config.EnableAutoOffsetStore); // offsets are stored only once applied: not the operator's to change
    }
}
