using Confluent.Kafka;

namespace FunnelStream.LoadHarness;

/// <summary>B1 and B3: the bare Confluent.Kafka consume loop, <c>byte[]</c> values, reading only the value's length.</summary>
internal static class BareConsumer
{
    private static ConsumerConfig Config(string bootstrap, string fields = "none") => new()
    {
        BootstrapServers = bootstrap,
        GroupId = "bare-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
        EnablePartitionEof = false,
        ConsumeResultFields = fields,
        FetchWaitMaxMs = BrokerProcess.FetchWaitMaxMs,
        // The worker's default (KafkaIngestPipeline.DefaultQueuedMinMessages): like for like.
        QueuedMinMessages = FunnelStream.Kafka.Ingest.KafkaIngestPipeline.DefaultQueuedMinMessages,
    };

    /// <summary>
    /// B1: reads the <paramref name="events"/> records from the beginning of every partition,
    /// <paramref name="passes"/> times over (one pass of a fast consumer lasts well under a second, and
    /// such short rows swung 3x between identical runs); measured from the first record.
    /// <paramref name="fields"/> is the client's <c>ConsumeResultFields</c>: <c>none</c> for B1; the
    /// worker's <c>topic,headers</c> for the like-for-like row B1f.
    /// </summary>
    public static Cost Throughput(string bootstrap, int partitions, long events, string fields = "none", int passes = 1)
    {
        using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(Config(bootstrap, fields)).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(BrokerProcess.EventsTopic, p, Offset.Beginning)));
        long n = 0, bytes = 0;
        Meter? meter = null;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        long total = events * passes;
        while (n < total && DateTime.UtcNow < deadline)
        {
            if (n > 0 && n % events == 0)
                consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(BrokerProcess.EventsTopic, p, Offset.Beginning)));
            ConsumeResult<Ignore, byte[]>? r = consumer.Consume(100);
            if (r is null)
                continue;
            if (n++ == 0)
                meter = new Meter();
            bytes += r.Message.Value.Length;
        }
        Cost cost = meter!.Stop(n - 1);
        consumer.Close();
        if (n < total)
            throw new TimeoutException($"B1 read {n} of {total} records");
        return cost;
    }

    /// <summary>A live bare consumer of <paramref name="topic"/> from its end; <paramref name="onRecord"/> per record, until <paramref name="stop"/>.</summary>
    public static Thread StartLive(string bootstrap, string topic, int partitions, Action onRecord, ManualResetEventSlim assigned, CancellationToken stop)
    {
        var thread = new Thread(() =>
        {
            using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(Config(bootstrap)).Build();
            // The exact current ends, not Offset.End: that is resolved only once the client gets to it, and
            // records produced before then would be skipped, shifting every later record's count (latency).
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p,
                consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High)));
            consumer.Consume(200);
            assigned.Set();
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]>? r = consumer.Consume(50);
                if (r is not null && r.Message.Value.Length > 0)
                    onRecord();
            }
            consumer.Close();
        })
        { IsBackground = true, Name = "bare-live-consumer" };
        thread.Start();
        return thread;
    }
}
