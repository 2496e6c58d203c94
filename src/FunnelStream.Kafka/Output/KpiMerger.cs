using Confluent.Kafka;
using FunnelStream.Outputs.Topics;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Reads <c>funnel.kpis.partials</c> in its own consumer group (so each partition, and with it each
/// window's key, has one owner among the instances) and publishes the merged window records to
/// <c>funnel.kpis</c> (docs/topics.md, "Several instances").
/// </summary>
/// <remarks>
/// Hand-over without loss or contradiction: the merged state depends only on the partition's
/// records, so an owner reads its partition from the beginning. Up to the committed offset it only
/// rebuilds the state (<see cref="KpiMergePartition.Replaying"/>): the previous owner published
/// those records. The committed offset only covers records whose merged output the broker
/// acknowledged (the <see cref="OutputPublisher"/>'s gate): it is committed about once a second and
/// on revocation after a flush. After a crash the new owner may publish some records again,
/// identical (same key, revision, values), never a different record under a published revision.
/// The partials topic therefore needs a retention (not compaction) longer than windows stay open.
/// </remarks>
public sealed class KpiMerger(
    string bootstrapServers,
    IReadOnlyDictionary<string, string> client,
    string groupId,
    string partialsTopic,
    PartialRecordCodec codec,
    Func<KpiMergePartition> newPartition,
    OutputPublisher publisher,
    KafkaProducerHandle producer,
    ILogger logger)
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, Owned> _partitions = [];
    private (List<TopicPartitionOffset> Offsets, long Mark)? _checkpoint;
    private DateTime _nextCheckpoint;

    /// <summary>Partial records that could not be decoded (skipped, logged).</summary>
    public long Undecodable { get; private set; }

    /// <summary>Consumes until <paramref name="stop"/> fires, on a dedicated thread.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Consume(stop);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "funnelstream-kpi-merger" };
        thread.Start();
        return done.Task;
    }

    private void Consume(CancellationToken stop)
    {
        var config = new ConsumerConfig(client.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            ClientId = "funnelstream-kpi-merger",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetPartitionsAssignedHandler((c, parts) => OnAssigned(c, parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((_, parts) =>
            {
                logger.LogWarning("KPI merger lost {Partitions} without a hand-over", string.Join(", ", parts.Select(p => p.TopicPartition)));
                foreach (TopicPartitionOffset tp in parts)
                    _partitions.Remove(tp.Partition.Value);
                _checkpoint = null;
            })
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                    logger.LogCritical("Fatal Kafka error in the KPI merger {Code}: {Reason}", e.Code, e.Reason);
                else
                    logger.Log(KafkaLog.LevelOf(e), "KPI merger Kafka error {Code}: {Reason}", e.Code, e.Reason);
            })
            .SetLogHandler((_, m) => KafkaLog.Write(logger, m))
            .Build();
        consumer.Subscribe(partialsTopic);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? record;
                try
                {
                    record = consumer.Consume(200);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    logger.LogWarning("KPI merger consume error {Code}: {Reason}", e.Error.Code, e.Error.Reason);
                    continue;
                }
                if (record is not null && !record.IsPartitionEOF && _partitions.TryGetValue(record.Partition.Value, out Owned? owned))
                    Apply(owned, record);
                Checkpoint(consumer);
            }
            OnRevoked(consumer, _partitions.Values.Select(o => new TopicPartitionOffset(o.Partition, Offset.Unset)).ToList());
        }
        finally
        {
            consumer.Close();
        }
    }

    private void Apply(Owned owned, ConsumeResult<byte[], byte[]> record)
    {
        owned.State.Replaying = record.Offset.Value < owned.ReplayUntil;
        owned.Next = record.Offset.Value + 1;
        try
        {
            owned.State.Apply(codec.Decode(record.Message.Value ?? []));
        }
        catch (FormatException e)
        {
            Undecodable++;
            logger.LogError("Skipping undecodable record {Offset} of {Topic}: {Reason}", record.TopicPartitionOffset, partialsTopic, e.Message);
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> consumer, List<TopicPartition> parts)
    {
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(parts, TimeSpan.FromSeconds(30));
        }
        catch (KafkaException e)
        {
            // Without the hand-over point, replaying everything silently could lose the previous
            // owner's last records, and publishing everything only repeats identical records: publish.
            logger.LogWarning("KPI merger could not read committed offsets ({Reason}); republishing {Partitions} from the beginning", e.Error.Reason, string.Join(", ", parts));
            committed = parts.Select(p => new TopicPartitionOffset(p, Offset.Unset)).ToList();
        }
        foreach (TopicPartitionOffset c in committed)
        {
            long until = c.Offset.Value >= 0 ? c.Offset.Value : 0;
            _partitions[c.Partition.Value] = new Owned(c.TopicPartition, newPartition(), until) { Next = 0 };
        }
        _checkpoint = null;
        logger.LogInformation("Merging KPI partials of {Partitions}", string.Join(", ", committed));
        return parts.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning));
    }

    private void OnRevoked(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> parts)
    {
        // Hand over: what this owner processed is published and acknowledged, then committed.
        producer.Flush(TimeSpan.FromSeconds(10));
        long mark = publisher.Mark();
        List<TopicPartitionOffset> offsets = parts
            .Select(p => _partitions.TryGetValue(p.Partition.Value, out Owned? o) ? o : null)
            .OfType<Owned>()
            .Where(o => o.Next > 0)
            .Select(o => new TopicPartitionOffset(o.Partition, Math.Max(o.Next, o.ReplayUntil)))
            .ToList();
        if (offsets.Count > 0 && publisher.IsDeliveredThrough(mark))
            Commit(consumer, offsets);
        else if (offsets.Count > 0)
            logger.LogWarning("KPI merger hands over {Partitions} with merged records unacknowledged; the next owner publishes them again", string.Join(", ", offsets));
        foreach (TopicPartitionOffset p in parts)
            _partitions.Remove(p.Partition.Value);
        _checkpoint = null;
    }

    /// <summary>About once a second: commits the positions of the previous checkpoint once its output is acknowledged, and takes a new one.</summary>
    private void Checkpoint(IConsumer<byte[], byte[]> consumer)
    {
        if (DateTime.UtcNow < _nextCheckpoint)
            return;
        _nextCheckpoint = DateTime.UtcNow + CommitInterval;
        if (_checkpoint is { } pending)
        {
            if (!publisher.IsDeliveredThrough(pending.Mark))
                return;
            Commit(consumer, pending.Offsets);
        }
        List<TopicPartitionOffset> offsets = _partitions.Values
            .Where(o => o.Next > o.ReplayUntil)
            .Select(o => new TopicPartitionOffset(o.Partition, o.Next))
            .ToList();
        _checkpoint = offsets.Count > 0 ? (offsets, publisher.Mark()) : null;
    }

    private void Commit(IConsumer<byte[], byte[]> consumer, List<TopicPartitionOffset> offsets)
    {
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e)
        {
            logger.LogWarning("KPI merger commit failed ({Reason}); a later commit covers it", e.Error.Reason);
        }
    }

    private sealed class Owned(TopicPartition partition, KpiMergePartition state, long replayUntil)
    {
        public TopicPartition Partition { get; } = partition;

        public KpiMergePartition State { get; } = state;

        /// <summary>Records before this offset were published by a previous owner: replayed silently.</summary>
        public long ReplayUntil { get; } = replayUntil;

        /// <summary>The offset after the last record applied.</summary>
        public long Next { get; set; }
    }
}
