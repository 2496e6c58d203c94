using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Confluent.Kafka;
using FunnelStream.Engine;
using FunnelStream.Events;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Kafka.Output;
using FunnelStream.Kafka.State;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Ingest;

/// <summary>
/// Kafka in, engine updated, offsets stored only once the engine has applied what they cover.
/// </summary>
/// <remarks>
/// Two threads. The consumer thread (a dedicated thread, never the thread pool) calls
/// <c>Consume</c>, copies each record into the current batch, and hands batches through a
/// bounded channel (<see cref="IngestOptions.ChannelCapacity"/>; when full the consumer waits, so
/// memory stays bounded and librdkafka stops fetching). The engine thread is the engine's and the
/// parser's only writer: it parses each batch, applies it, dead-letters rejected records and late
/// events, and returns the batch, whose offsets the
/// consumer thread then stores (only the consumer thread touches the consumer) once the output
/// records (<see cref="DeliveryGate"/>) and dead letters produced up to the end of applying it are
/// acknowledged. Stored offsets are committed by the client's auto-commit, and synchronously on
/// revocation and shutdown after the producer is flushed, so a committed offset never covers a
/// record whose output or dead letter exists only in memory of this process — except the engine's
/// state itself when <see cref="Checkpoints"/> is <c>null</c>. With checkpoints, offsets are stored
/// and committed only from a durable checkpoint: the engine thread captures the state and the offsets
/// it reflects every interval (and on revocation and shutdown); once the output records and dead
/// letters produced up to it are acknowledged it is saved on a thread of its own while consuming goes
/// on, and the consumer thread then commits exactly those offsets (docs/reliability.md).
/// All brokers down (the client's event, or its statistics reporting no broker connection up) is tracked in
/// <see cref="Health"/> (one log line per outage, readiness false).
/// On revocation the consumer thread waits (a barrier) until the engine has applied everything
/// consumed so far, then commits; on loss it drops the partitions without committing.
/// </remarks>
public sealed class KafkaIngestPipeline
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The client's statistics interval (<c>statistics.interval.ms</c>, always set): each report says
    /// which brokers the client has a connection up to. Reports in a row with none up for
    /// <see cref="OutageAfterReports"/> begin an outage, as the client's all-brokers-down event does;
    /// the first report with one up ends it.
    /// </summary>
    public const int StatisticsIntervalMs = 1000;

    /// <summary>Statistics reports in a row with no broker up that begin an outage (a reconnect takes less).</summary>
    internal const int OutageAfterReports = 2;

    private readonly IngestOptions _options;
    private readonly FunnelEngine _engine;
    private readonly EventParser _parser; // engine thread only: its interners have one writer
    private readonly IngestStats _stats;
    private readonly KafkaProducerHandle _producer;
    private readonly DeadLetterPublisher? _deadLetters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<IngestBatch> _toEngine;
    // Consumer thread: the key and value of the record just consumed, copied by the client's deserializers.
    private readonly RecordBytes _key = new();
    private readonly RecordBytes _value = new();
    private readonly ConcurrentQueue<IngestBatch> _applied = new();
    // Consumer thread: batches whose offsets are stored, without their record stores, which the engine thread
    // hands back to _stores as soon as it has applied them.
    private readonly Stack<IngestBatch> _free = new();
    private readonly RecordStorePool _stores;
    private readonly Dictionary<TopicPartition, int> _sources = [];
    private readonly Stack<int> _freeSources = new();
    private TopicPartition?[] _partitionOfSource = new TopicPartition?[8];
    // The source of the previous record: consecutive records mostly come from the same partition
    // (librdkafka hands out a fetched message set at a time), so most records skip the dictionary.
    private string? _lastTopic;
    private int _lastPartition = -1;
    private int _lastSource = -1;
    private IngestBatch _batch = null!;
    private volatile bool _ready;
    private bool _pausedForOutput;
    private bool _closing; // ShutDown has applied, checkpointed and committed everything; Close() revokes what is left
    private readonly HashSet<TopicPartition> _enginePartitions = [];
    private Error? _fatal;
    private volatile Exception? _engineFailure;
    private string? _stateLost;
    // Engine thread: the next offset of every partition the engine state reflects (restored ones included).
    private readonly Dictionary<TopicPartition, long> _appliedNext = [];
    private bool _inputSinceCapture;
    // Engine thread: captures taken (numbers for GatedOutput); 0 is the restored checkpoint.
    private long _captures;
    // Written by the consumer thread once a capture is durable, read by the engine thread.
    private long _durableCapture;
    // Written by the consumer thread once a capture's save ended (durable or failed), read by the engine thread.
    private long _settledCapture;
    // Consumer thread: the checkpoint being saved (on a thread of its own) and its batch.
    private Task<bool>? _saving;
    private IngestBatch? _savingBatch;
    // Consumer thread: the offsets of the last durable checkpoint, to resume partitions assigned again.
    private readonly Dictionary<TopicPartition, long> _durableNext = [];
    // Consumer thread: where each assigned partition was told to start, for lag until the first fetch sets a position.
    private readonly Dictionary<TopicPartition, long> _resumedAt = [];
    private int _nextSource;
    // Consumer thread: statistics reports in a row with no broker up.
    private int _reportsWithNoBrokerUp;

    public KafkaIngestPipeline(IngestOptions options, FunnelEngine engine, EventParser parser, IngestStats stats,
        KafkaProducerHandle producer, ILogger logger, TimeProvider time)
    {
        _options = options;
        _engine = engine;
        _parser = parser;
        _stats = stats;
        _producer = producer;
        _logger = logger;
        _time = time;
        _deadLetters = options.DeadLetterTopic is { Length: > 0 } dlq ? new DeadLetterPublisher(producer, dlq, stats, logger) : null;
        _stores = new RecordStorePool(options.BatchSize);
        _toEngine = Channel.CreateBounded<IngestBatch>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// Output records this pipeline's offsets must wait for (issue 5); <c>null</c> when nothing is
    /// published. A batch's offsets are stored only once every output record produced up to the end
    /// of applying it is acknowledged, in batch order.
    /// </summary>
    public IDeliveryGate? DeliveryGate { get; init; }

    /// <summary>
    /// Called on the engine thread after each batch is applied, with the partitions the engine
    /// currently counts (the multi-instance merge claims progress for them); <c>null</c> for none.
    /// </summary>
    public Action<IReadOnlyCollection<TopicPartition>>? AfterApply { get; init; }

    /// <summary>
    /// Checkpoints of the engine state (docs/reliability.md); <c>null</c> for none (offsets are then
    /// stored once applied and acknowledged, and a restart starts from empty state).
    /// </summary>
    public StateCheckpointer? Checkpoints { get; init; }

    /// <summary>The offsets the restored checkpoint reflects (<see cref="StateCheckpointer.Restore"/>); assigned partitions resume from them unless the group committed further.</summary>
    public IReadOnlyList<InputOffset> RestoredOffsets { get; init; } = [];

    /// <summary>
    /// Output held until a checkpoint that includes it is durable (the window records); <c>null</c>
    /// for none. Needs <see cref="Checkpoints"/>. Held output makes a checkpoint
    /// due at the next interval; the engine thread releases it before applying the next batch after
    /// the save, so the offsets of later checkpoints also wait for its delivery.
    /// </summary>
    public ICheckpointGatedOutput? GatedOutput { get; init; }

    /// <summary>
    /// Ignore the client's all-brokers-down event, so that only its statistics reports detect outages
    /// (tests of that path). Set before <see cref="RunAsync"/>.
    /// </summary>
    internal bool IgnoreAllBrokersDownEvent { get; init; }

    /// <summary>True once partitions are assigned and the consumer is reading, and the brokers are reachable. Any thread.</summary>
    public bool IsReady => _ready && Health.Up;

    /// <summary>Why <see cref="IsReady"/> is false, for the readiness endpoint. Any thread.</summary>
    public string NotReadyReason => !_ready ? "no partitions assigned yet" : !Health.Up ? "Kafka brokers unreachable" : "ready";

    /// <summary>Broker reachability and outages, as the consumer sees them (funnel_kafka_up, funnel_kafka_outages_total).</summary>
    public BrokerHealth Health { get; } = new();

    /// <summary>
    /// Runs until <paramref name="stop"/> fires, then shuts down cleanly: applies what was consumed,
    /// flushes dead letters, commits, and closes the consumer. Throws <see cref="KafkaException"/> on a
    /// fatal client error.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        foreach (InputOffset restored in RestoredOffsets)
        {
            var tp = new TopicPartition(restored.Topic, restored.Partition);
            _appliedNext[tp] = restored.Next;
            _durableNext[tp] = restored.Next;
        }
        Task engineLoop = Task.Run(EngineLoopAsync, CancellationToken.None);
        var consumerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ConsumeLoop(stop);
                consumerDone.SetResult();
            }
            catch (Exception e)
            {
                consumerDone.SetException(e);
            }
            finally
            {
                _toEngine.Writer.TryComplete();
            }
        })
        { IsBackground = true, Name = "funnelstream-consumer" };
        thread.Start();
        try
        {
            await consumerDone.Task.ConfigureAwait(false);
        }
        finally
        {
            await engineLoop.ConfigureAwait(false);
            if (_deadLetters is not null)
                await _deadLetters.DisposeAsync().ConfigureAwait(false);
            Checkpoints?.Dispose(); // both threads are done: no capture follows, no save is in flight
        }
    }

    /// <summary>
    /// librdkafka's <c>queued.min.messages</c> unless <see cref="IngestOptions.Client"/> sets it: how many
    /// records per partition the client tries to keep prefetched. With the default (100,000) the
    /// consumer thread spent most of its time waiting inside <c>Consume</c> for the client's queue to
    /// fill, and E2E ran at ~150k events/s; with this, ~570k (benchmarks/RESULTS.md). Prefetched memory
    /// stays capped by <c>queued.max.messages.kbytes</c> (<see cref="DefaultQueuedMaxMessagesKbytes"/>).
    /// </summary>
    public const int DefaultQueuedMinMessages = 1_000_000;

    /// <summary>
    /// librdkafka's <c>queued.max.messages.kbytes</c> unless <see cref="IngestOptions.Client"/> sets it: the
    /// most record bytes the client keeps prefetched (its default is 65,536, 64 MB). librdkafka 2.0.2 stops
    /// fetching a partition once the queue holds that much and looks again only at its broker thread's
    /// next one-second tick (newer clients have <c>fetch.queue.backoff.ms</c>; this one does not), so
    /// a queue the worker empties in under a second leaves it waiting, idle, for the rest of that second
    /// whenever it is catching up. Its maintainer's advice is a queue that holds at least a second of
    /// consumption: 64 MB is ~400,000 records of 160 B, half a second here. The load harness measured
    /// E2E at ~570k events/s with 64 MB and ~790k with 256 MB (benchmarks/RESULTS.md); the worker's
    /// resident memory rose by ~150 MB while catching up, and not at all when it keeps up.
    /// </summary>
    public const int DefaultQueuedMaxMessagesKbytes = 262_144;

    /// <summary>The consumer's configuration: <see cref="IngestOptions.Client"/> settings, then the ones the pipeline relies on.</summary>
    internal static ConsumerConfig ConsumerConfigFor(IngestOptions options)
    {
        var config = new ConsumerConfig(options.Client.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            ClientId = "funnelstream-consumer",
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Headers are forwarded with dead letters; the timestamp is not used.
            ConsumeResultFields = "topic,headers",
        };
        if (!options.Client.ContainsKey("queued.min.messages"))
            config.QueuedMinMessages = DefaultQueuedMinMessages;
        if (!options.Client.ContainsKey("queued.max.messages.kbytes"))
            config.QueuedMaxMessagesKbytes = DefaultQueuedMaxMessagesKbytes;
        config.StatisticsIntervalMs = StatisticsIntervalMs; // outage detection relies on the reports
        return config;
    }

    private void ConsumeLoop(CancellationToken stop)
    {
        ConsumerConfig config = ConsumerConfigFor(_options);
        using IConsumer<RecordBytes?, RecordBytes?> consumer = new ConsumerBuilder<RecordBytes?, RecordBytes?>(config)
            .SetKeyDeserializer(_key)
            .SetValueDeserializer(_value)
            .SetPartitionsAssignedHandler((c, parts) => OnAssigned(c, parts))
            .SetPartitionsRevokedHandler((c, parts) => OnRevoked(c, parts))
            .SetPartitionsLostHandler((c, parts) => OnLost(parts))
            .SetErrorHandler((_, e) => OnError(e))
            .SetStatisticsHandler((_, json) => OnStatistics(json))
            .SetLogHandler((_, m) => KafkaLog.Write(_logger, m))
            .Build();
        consumer.Subscribe(_options.Topics);
        _logger.LogInformation("Consuming {Topics} from {Servers} as group {Group}",
            string.Join(", ", _options.Topics), _options.BootstrapServers, _options.GroupId);

        _batch = Rent();
        long nextTick = 0;
        int consumed = 0;
        try
        {
            while (!stop.IsCancellationRequested && _fatal is null && _stateLost is null && _engineFailure is null)
            {
                StoreApplied(consumer);
                ConsumeResult<RecordBytes?, RecordBytes?>? record;
                try
                {
                    record = consumer.Consume(_batch.Count == 0 ? 100 : 0);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    // During an outage the outage line says it all; the client's retries are logged at debug level.
                    _logger.Log(Health.Up ? KafkaLog.LevelOf(e.Error) : LogLevel.Debug, "Consume error {Code}: {Reason}", e.Error.Code, e.Error.Reason);
                    _stats.AddBrokerError();
                    continue;
                }
                catch (ConsumeException e)
                {
                    _fatal = e.Error;
                    break;
                }

                long now = Now();
                if (record is not null && !record.IsPartitionEOF)
                {
                    consumed++;
                    Accept(record, _batch);
                }
                bool tick = now >= nextTick;
                if (_batch.IsFull || (record is null && !_batch.IsEmpty) || tick)
                {
                    _batch.Consumed += consumed;
                    consumed = 0;
                    SendCurrent();
                }
                if (tick)
                {
                    nextTick = now + (long)TickInterval.TotalMilliseconds;
                    MeasureLag(consumer);
                    HoldForOutput(consumer);
                }
            }
            _batch.Consumed += consumed;
            if (_stateLost is not null || _engineFailure is not null)
                consumer.Close(); // commits nothing new: stored offsets cover only applied, acknowledged (and with checkpoints, durable) work
            else if (_fatal is null)
                ShutDown(consumer);
        }
        finally
        {
            _ready = false;
            // A save still in flight (a fatal error, lost partitions) ends before the store and producer go away; its result changes nothing now.
            try
            {
                _saving?.Wait();
            }
            catch (AggregateException)
            {
            }
        }
        if (_fatal is { } fatal)
            throw new KafkaException(fatal);
        if (_stateLost is { } lost)
            throw new StateLostException(lost);
        if (_engineFailure is { } failure)
            throw new EngineFailedException(failure);
    }

    private void Accept(ConsumeResult<RecordBytes?, RecordBytes?> record, IngestBatch batch)
    {
        // Key and value were copied into _key and _value during Consume (RecordBytes), not into new arrays;
        // the batch copies them into its arena, and the engine thread parses them there.
        int source = SourceOf(record);
        long offset = record.Offset.Value;
        // The client makes a Headers object for every record, empty for most. Kept, the empty ones lived
        // as long as their batch, across a collection or two while catching up (65k of them in a full
        // channel), and were promoted toward gen 2; dropped here, they die young.
        Headers? headers = record.Message.Headers is { Count: > 0 } h ? h : null;
        // A partition no longer assigned (a race with revocation) counts as source 0, as before; its offset is never stored.
        if (source >= 0)
            batch.Add(source, _partitionOfSource[source]!, covered: true, offset, _key.Bytes, _key.IsNull, _value.Bytes, headers);
        else
            batch.Add(0, record.TopicPartition, covered: false, offset, _key.Bytes, _key.IsNull, _value.Bytes, headers);
    }

    /// <summary>The source id of the record's partition, or -1 if the partition is not (or no longer) assigned.</summary>
    private int SourceOf(ConsumeResult<RecordBytes?, RecordBytes?> record)
    {
        int partition = record.Partition.Value;
        string topic = record.Topic;
        if (partition == _lastPartition && string.Equals(topic, _lastTopic, StringComparison.Ordinal))
            return _lastSource;
        int source = _sources.TryGetValue(new TopicPartition(topic, partition), out int id) ? id : -1;
        _lastTopic = topic;
        _lastPartition = partition;
        _lastSource = source;
        return source;
    }


    private void ShutDown(IConsumer<RecordBytes?, RecordBytes?> consumer)
    {
        _logger.LogInformation(Checkpoints is null
            ? "Stopping: applying consumed records, flushing dead letters, committing offsets"
            : "Stopping: applying consumed records, flushing output, checkpointing, committing offsets");
        DrainThroughEngine(consumer);
        int inFlight = _producer.Flush(TimeSpan.FromSeconds(10));
        StoreApplied(consumer, wait: true); // offsets held back for output records acknowledged by the flush
        if (inFlight > 0)
        {
            _logger.LogError("{Count} output or dead-letter records were not acknowledged at shutdown; their offsets are not committed", inFlight);
        }
        else
        {
            CommitStored(consumer);
            if (GatedOutput is not null)
            {
                // Output the final checkpoint holds goes out now rather than at the next start (it is
                // in that checkpoint, so it would be published then, unchanged).
                DrainThroughEngine(consumer, checkpoint: false);
                _producer.Flush(TimeSpan.FromSeconds(10));
            }
        }
        _closing = true;
        consumer.Close();
    }

    /// <summary>Sends the current batch with a barrier, waits until the engine applied everything consumed so far, and stores the offsets.</summary>
    private void DrainThroughEngine(IConsumer<RecordBytes?, RecordBytes?> consumer, bool checkpoint = true)
    {
        using var barrier = new ManualResetEventSlim();
        _batch.Barrier = barrier;
        _batch.ForceCheckpoint = checkpoint && Checkpoints is not null;
        SendCurrent();
        while (!barrier.Wait(TimeSpan.FromSeconds(1)))
        {
            if (_engineFailure is not null)
                return; // the engine stopped; nothing more is applied or stored
        }
        StoreApplied(consumer, wait: true);
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<RecordBytes?, RecordBytes?> consumer, List<TopicPartition> partitions)
    {
        long began = System.Diagnostics.Stopwatch.GetTimestamp();
        List<TopicPartitionOffset> start = ResumeOffsets(consumer, partitions);
        foreach (TopicPartition tp in partitions)
        {
            if (_sources.ContainsKey(tp))
                continue;
            int id = _freeSources.Count > 0 ? _freeSources.Pop() : _nextSource++;
            _sources[tp] = id;
            if (id >= _partitionOfSource.Length)
                Array.Resize(ref _partitionOfSource, Math.Max(id + 1, _partitionOfSource.Length * 2));
            _partitionOfSource[id] = tp;
            _batch.AddedSources.Add(id);
            _batch.AddedPartitions.Add(tp);
        }
        _lastPartition = -1;
        _pausedForOutput = false; // new partitions start resumed; the next check pauses them all again if needed
        SendCurrent();
        _ready = _sources.Count > 0;
        _logger.LogInformation("Assigned {Partitions} ({Ms:0} ms)", string.Join(", ", start.Select(p => p.Offset == Offset.Unset ? p.TopicPartition.ToString() : p.ToString())),
            System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        return start;
    }

    /// <summary>
    /// Where each newly assigned partition starts. Without checkpoints: the group's committed offset.
    /// With them, the furthest of: the committed offset; this instance's last durable checkpoint of
    /// it; and its hand-over record, where its last owner's durable state ends. Every record before
    /// that point is in some instance's durable state, and none after it, so nothing is counted twice
    /// or lost — also when the previous owner's last commit failed (a rebalance in progress) or it
    /// died between saving a checkpoint and committing.
    /// </summary>
    private List<TopicPartitionOffset> ResumeOffsets(IConsumer<RecordBytes?, RecordBytes?> consumer, List<TopicPartition> partitions)
    {
        var start = partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Unset)).ToList();
        if (Checkpoints is not { } checkpoints || partitions.Count == 0)
            return start;
        Dictionary<TopicPartition, Offset> committed;
        try
        {
            committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("Committed offsets not readable ({Reason}); resuming from checkpoints and hand-over records", e.Error.Reason);
            committed = [];
        }
        Dictionary<(string Topic, int Partition), HandoverRecord> handovers;
        try
        {
            handovers = checkpoints.Handovers(partitions.Select(tp => (tp.Topic, tp.Partition.Value)).ToList());
        }
        catch (CheckpointStoreException e)
        {
            _logger.LogError("Hand-over records not readable from {Store} ({Reason}); resuming from committed offsets and this instance's checkpoint",
                checkpoints.StoreDescription, e.Message);
            handovers = [];
        }
        var previousOwners = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < start.Count; i++)
        {
            TopicPartition tp = start[i].TopicPartition;
            long next = committed.TryGetValue(tp, out Offset c) && c.Value >= 0 ? c.Value : -1;
            if (_durableNext.TryGetValue(tp, out long ours))
                next = Math.Max(next, ours);
            if (handovers.TryGetValue((tp.Topic, tp.Partition.Value), out HandoverRecord handover))
            {
                next = Math.Max(next, handover.Next);
                if (handover.Instance != checkpoints.InstanceId)
                    previousOwners.Add(handover.Instance);
            }
            if (next >= 0)
            {
                start[i] = new TopicPartitionOffset(tp, next);
                _resumedAt[tp] = next;
            }
        }
        ImportDedupOf(checkpoints, previousOwners);
        return start;
    }

    /// <summary>
    /// Loads the checkpoints of the other instances that owned newly assigned partitions last, for the
    /// engine to import their remembered ids before any record of those partitions: a producer retry
    /// whose first copy the previous owner counted is then a duplicate here too. A checkpoint that
    /// cannot be read is logged and skipped (such a retry would then count twice); the partitions are
    /// still consumed.
    /// </summary>
    private void ImportDedupOf(StateCheckpointer checkpoints, IEnumerable<string> previousOwners)
    {
        foreach (string instance in previousOwners)
        {
            try
            {
                if (checkpoints.LoadCheckpointOf(instance) is { } data)
                    _batch.DedupImports.Add((instance, data));
                else
                    _logger.LogWarning("No checkpoint of instance {Instance}, the last owner of partitions assigned now: its remembered ids are not imported", instance);
            }
            catch (CheckpointStoreException e)
            {
                _logger.LogError("Checkpoint of instance {Instance} not readable from {Store} ({Reason}): its remembered ids are not imported, "
                    + "so a producer retry straddling the hand-over may count twice", instance, checkpoints.StoreDescription, e.Message);
            }
        }
    }

    private void OnRevoked(IConsumer<RecordBytes?, RecordBytes?> consumer, List<TopicPartitionOffset> partitions)
    {
        if (_closing)
        {
            // Close() leaving the group. Everything consumed is applied, saved and committed already, and
            // nothing was consumed since. A commit here could wait forever: with the group rebalancing
            // (another member just left), librdkafka defers it until a join that the closing consumer
            // never completes.
            ForgetSources(partitions.Select(p => p.TopicPartition));
            _logger.LogInformation("Released {Partitions} on close", string.Join(", ", partitions.Select(p => p.TopicPartition)));
            return;
        }
        long began = System.Diagnostics.Stopwatch.GetTimestamp();
        _logger.LogInformation("Revoked {Partitions}: applying consumed records and committing", string.Join(", ", partitions.Select(p => p.TopicPartition)));
        DrainThroughEngine(consumer);
        int inFlight = _producer.Flush(TimeSpan.FromSeconds(10));
        StoreApplied(consumer, wait: true);
        if (inFlight == 0)
            CommitStored(consumer);
        ForgetSources(partitions.Select(p => p.TopicPartition));
        _logger.LogInformation("Released {Count} partitions ({Ms:0} ms)", partitions.Count, System.Diagnostics.Stopwatch.GetElapsedTime(began).TotalMilliseconds);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        if (Checkpoints is not null)
        {
            // The engine state holds effects of records the partitions' next owner reads again from
            // the committed offsets. It cannot be split by partition, so the instance stops and
            // restarts from its last checkpoint, which covers exactly the committed offsets.
            _stateLost = $"partitions {string.Join(", ", partitions.Select(p => p.TopicPartition))} were lost without a clean hand-over "
                + "(session timed out or fenced); the in-memory state counted records past the committed offsets. "
                + "Exiting so that a restart resumes from the last checkpoint";
            _logger.LogError("Lost {Partitions}: stopping; the state restarts from the last checkpoint", string.Join(", ", partitions.Select(p => p.TopicPartition)));
            return;
        }
        _logger.LogWarning("Lost {Partitions} without a clean hand-over; nothing is committed for them", string.Join(", ", partitions.Select(p => p.TopicPartition)));
        ForgetSources(partitions.Select(p => p.TopicPartition));
    }

    private void ForgetSources(IEnumerable<TopicPartition> partitions)
    {
        foreach (TopicPartition tp in partitions)
        {
            _resumedAt.Remove(tp);
            if (_sources.Remove(tp, out int id))
            {
                _partitionOfSource[id] = null;
                _batch.RemovedSources.Add(id);
                _batch.RemovedPartitions.Add(tp);
                _freeSources.Push(id);
            }
        }
        _lastPartition = -1;
        SendCurrent();
        _ready = _sources.Count > 0;
    }

    private void OnError(Error e)
    {
        if (e.IsFatal)
        {
            _logger.LogCritical("Fatal Kafka error {Code}: {Reason}", e.Code, e.Reason);
            _fatal = e;
            return;
        }
        _stats.AddBrokerError();
        if (e.Code == ErrorCode.Local_AllBrokersDown && !IgnoreAllBrokersDownEvent && Health.SetDown())
        {
            LogOutage(e.Reason);
            return;
        }
        // The client reports every failed (re)connect; they are retried and counted, and an outage is logged once, above.
        _logger.Log(Health.Up ? KafkaLog.LevelOf(e) : LogLevel.Debug, "Kafka error {Code}: {Reason}", e.Code, e.Reason);
    }

    private void LogOutage(string reason) =>
        _logger.LogError("Kafka outage: all brokers are down ({Reason}); not ready until one answers. Nothing is lost: offsets are stored only for applied records", reason);

    private void BrokerReachable()
    {
        if (Health.SetUp())
            _logger.LogWarning("Kafka outage over: brokers reachable again; ready");
    }

    /// <summary>
    /// A statistics report (consumer thread): no broker up in <see cref="OutageAfterReports"/> reports
    /// in a row begins an outage, a broker up ends one. The client's all-brokers-down event comes
    /// only once every broker it knows has failed a connection attempt, which with sparse connections
    /// may never happen; and only a broker's answer ends an outage, not records still arriving from
    /// the client's prefetch queue.
    /// </summary>
    private void OnStatistics(string json)
    {
        BrokerStates states;
        try
        {
            states = BrokerStates.Parse(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            _logger.LogDebug("Unreadable client statistics: {Reason}", e.Message);
            return;
        }
        if (states.Known == 0)
            return;
        if (states.Up > 0)
        {
            _reportsWithNoBrokerUp = 0;
            BrokerReachable();
            return;
        }
        if (++_reportsWithNoBrokerUp >= OutageAfterReports && Health.SetDown())
            LogOutage($"no connection up to any of {states.Known} brokers for {_reportsWithNoBrokerUp * StatisticsIntervalMs / 1000} s");
    }

    private void CommitStored(IConsumer<RecordBytes?, RecordBytes?> consumer)
    {
        try
        {
            consumer.Commit();
        }
        catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing stored since the last commit.
        }
        catch (KafkaException e) when (Checkpoints is not null && e.Error.Code == ErrorCode.RebalanceInProgress)
        {
            // During a rebalance the group may refuse commits; the checkpoint's hand-over records carry these offsets to the next owner.
            _logger.LogInformation("Commit refused during a rebalance; the next owners resume from the hand-over records of the checkpoint just saved");
        }
        catch (KafkaException e)
        {
            _logger.LogWarning("Commit failed ({Code}: {Reason}); the stored offsets are committed by the next auto-commit", e.Error.Code, e.Error.Reason);
        }
    }

    /// <summary>
    /// Stores (and with checkpoints, saves and commits) what applied batches cover, in order, as far as
    /// their output and dead letters are acknowledged. A checkpoint is saved on a thread of its own, so
    /// that consuming goes on meanwhile; the next checkpoint waits until it is durable. With
    /// <paramref name="wait"/> (revocation, shutdown) it waits for saves instead of returning.
    /// </summary>
    private void StoreApplied(IConsumer<RecordBytes?, RecordBytes?> consumer, bool wait = false)
    {
        if (_saving is not null && (wait || _saving.IsCompleted))
            FinishSave(consumer);
        while (_applied.TryPeek(out IngestBatch? done))
        {
            if (DeliveryGate is { } gate && !gate.IsDeliveredThrough(done.DeliveryMark))
                return; // an output record is not acknowledged yet: no offset passes it (retried until it is)
            if (_deadLetters is { } dlq && !dlq.IsDeliveredThrough(done.DeadLetterMark))
                return; // likewise a dead letter: a rejected record is never committed before its copy is on the dead-letter topic
            if (Checkpoints is { } checkpoints)
            {
                if (done.Checkpoint is not null)
                {
                    if (_saving is not null)
                        return; // one save at a time, in order (with wait, the one in flight was finished above)
                    _applied.TryDequeue(out _);
                    StartSave(checkpoints, done);
                    if (wait)
                        FinishSave(consumer);
                    continue;
                }
                // Offsets are stored only with checkpoints: a batch without one is done once its output is
                // acknowledged, also while a save is in flight. Holding it until the save ends would pause
                // the partitions for every save longer than a few hundred batches (a capped dedup set: seconds).
                _applied.TryDequeue(out _);
                done.Reset();
                _free.Push(done);
                continue;
            }
            _applied.TryDequeue(out _);
            foreach (int source in done.CoveredSources)
            {
                (TopicPartition tp, long next) = done.NextOffset(source);
                if (!_sources.TryGetValue(tp, out int current) || current != source)
                    continue; // revoked or lost meanwhile: not ours to commit
                try
                {
                    consumer.StoreOffset(new TopicPartitionOffset(tp, next));
                }
                catch (KafkaException e)
                {
                    _logger.LogDebug("Offset {Offset} of {Partition} not stored: {Reason}", next, tp, e.Error.Reason);
                }
            }
            done.Reset();
            _free.Push(done);
        }
    }

    /// <summary>Starts saving the checkpoint of <paramref name="batch"/> (whose output and dead letters are acknowledged) on a thread of its own.</summary>
    private void StartSave(StateCheckpointer checkpoints, IngestBatch batch)
    {
        // Hand-over records only for partitions still ours: one revoked since the capture has a new owner,
        // whose records must not be overwritten by an older offset.
        InputOffset[] owned = batch.CheckpointOffsets.Where(o => _sources.ContainsKey(new TopicPartition(o.Topic, o.Partition))).ToArray();
        CapturedCheckpoint data = batch.Checkpoint!;
        long now = Now();
        _savingBatch = batch;
        _saving = Task.Factory.StartNew(() => checkpoints.Save(data, owned, now), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for the save in flight; once durable, stores and commits exactly the offsets its checkpoint reflects.</summary>
    private void FinishSave(IConsumer<RecordBytes?, RecordBytes?> consumer)
    {
        IngestBatch batch = _savingBatch!;
        bool saved;
        try
        {
            saved = _saving!.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "Saving checkpoint {Number} failed; its offsets stay uncommitted", batch.CheckpointNumber);
            saved = false;
        }
        _saving = null;
        _savingBatch = null;
        if (saved)
            CommitCheckpoint(consumer, batch.CheckpointNumber, batch.CheckpointOffsets);
        Volatile.Write(ref _settledCapture, batch.CheckpointNumber);
        batch.Reset();
        _free.Push(batch);
    }

    private void CommitCheckpoint(IConsumer<RecordBytes?, RecordBytes?> consumer, long number, List<InputOffset> offsets)
    {
        Volatile.Write(ref _durableCapture, number);
        foreach (InputOffset offset in offsets)
        {
            var tp = new TopicPartition(offset.Topic, offset.Partition);
            _durableNext[tp] = offset.Next;
            if (!_sources.ContainsKey(tp))
                continue; // not ours now: its owner commits it
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(tp, offset.Next));
            }
            catch (KafkaException e)
            {
                _logger.LogDebug("Offset {Offset} of {Partition} not stored: {Reason}", offset.Next, tp, e.Error.Reason);
            }
        }
        CommitStored(consumer);
    }

    /// <summary>
    /// While output records are not acknowledged, applied batches wait in <c>_applied</c> for their
    /// offsets to be stored; past twice the channel capacity the assigned partitions are paused so
    /// that memory stays bounded, and resumed once deliveries catch up.
    /// </summary>
    private void HoldForOutput(IConsumer<RecordBytes?, RecordBytes?> consumer)
    {
        if (DeliveryGate is null && _deadLetters is null)
            return;
        bool hold = _applied.Count >= 2 * _options.ChannelCapacity;
        if (hold == _pausedForOutput)
            return;
        List<TopicPartition> assigned = consumer.Assignment;
        if (hold)
        {
            _logger.LogWarning("Output records are not being acknowledged; pausing {Count} partitions until they are", assigned.Count);
            consumer.Pause(assigned);
        }
        else
        {
            consumer.Resume(assigned);
        }
        _pausedForOutput = hold;
    }

    private void MeasureLag(IConsumer<RecordBytes?, RecordBytes?> consumer)
    {
        var lag = new List<PartitionLag>(_sources.Count);
        foreach (TopicPartition tp in _sources.Keys)
        {
            WatermarkOffsets w = consumer.GetWatermarkOffsets(tp);
            if (w.High == Offset.Unset)
                continue;
            Offset position = consumer.Position(tp);
            // No position before the first fetch (e.g. resumed at the partition's end): count from where it was told to start.
            long records = position != Offset.Unset ? w.High.Value - position.Value
                : _resumedAt.TryGetValue(tp, out long resumed) ? w.High.Value - resumed
                : w.High.Value - w.Low.Value;
            lag.Add(new PartitionLag(tp.Topic, tp.Partition.Value, Math.Max(0, records)));
        }
        _stats.SetLag([.. lag], _sources.Count);
    }

    private IngestBatch Rent()
    {
        IngestBatch batch = _free.Count > 0 ? _free.Pop() : new IngestBatch(_options.BatchSize, withRecords: false);
        if (!batch.HasRecords)
        {
            batch.AttachRecords(_stores.Rent());
            _stats.SetRecordStores(_stores.Created);
        }
        return batch;
    }

    /// <summary>Hands the current batch to the engine thread and starts a new one.</summary>
    private void SendCurrent()
    {
        IngestBatch batch = _batch;
        _batch = Rent();
        ChannelWriter<IngestBatch> writer = _toEngine.Writer;
        while (!writer.TryWrite(batch))
        {
            // Full: wait for the engine (backpressure). Synchronous wait is right on this dedicated thread.
            if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
                return;
        }
    }

    private async Task EngineLoopAsync()
    {
        ChannelReader<IngestBatch> reader = _toEngine.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out IngestBatch? batch))
                    Apply(batch);
            }
        }
        catch (Exception e)
        {
            // A bug, not bad input (bad input is rejected by the parser). Stop loudly rather than let the
            // consumer wait forever on a full channel; nothing the failed batch covers is committed.
            _engineFailure = e;
            _logger.LogCritical(e, "The engine thread failed; stopping without committing anything it had not finished");
            _toEngine.Writer.TryComplete();
            while (reader.TryRead(out IngestBatch? pending))
                pending.Barrier?.Set();
        }
    }

    private void Apply(IngestBatch batch)
    {
        FunnelEngine engine = _engine;
        GatedOutput?.Release(Volatile.Read(ref _durableCapture));
        long now = Now();
        // The partitions delivering in this batch hold the watermark back even after a quiet spell: a batch
        // lists records partition by partition, not in event-time order.
        engine.SetProcessingTime(now, CollectionsMarshal.AsSpan(batch.CoveredSources));
        _stats.AddConsumed(batch.Consumed);
        // Parsed here rather than on the consumer thread: the consumer thread, which also runs the
        // client's own per-record work, was the one at 100% of a core while catching up (issue 8,
        // benchmarks/RESULTS.md). Rejected records are counted and dead-lettered now, before the
        // checkpoint and the dead-letter mark below that cover them.
        _parser.SetClock(now, now);
        bool anyRejected = batch.Parse(_parser) > 0;
        RejectReason[] reasons = batch.Reasons;
        foreach (int source in batch.AddedSources)
            engine.AddSource(source);
        foreach ((string instance, byte[] checkpoint) in batch.DedupImports)
            ImportDedup(engine, instance, checkpoint);
        FunnelEvent[] events = batch.Events;
        int[] sources = batch.Sources;
        // Look up an event's id a few places ahead so its dedup probe (a likely cache miss in a table
        // of millions) overlaps with the events in between (issue 8; EngineBenchmarks, RESULTS.md).
        const int PrefetchDistance = 8;
        for (int i = 0; i < batch.Count; i++)
        {
            if (i + PrefetchDistance < batch.Count)
                engine.Prefetch(events[i + PrefetchDistance]);
            if (anyRejected && reasons[i] != RejectReason.None)
                Reject(batch, i, reasons[i]);
            else if (engine.Process(events[i], sources[i]) == EventOutcome.Late)
                Reject(batch, i, RejectReason.Late);
        }
        foreach (int source in batch.RemovedSources)
            engine.RemoveSource(source);
        _enginePartitions.UnionWith(batch.AddedPartitions);
        _enginePartitions.ExceptWith(batch.RemovedPartitions);
        AfterApply?.Invoke(_enginePartitions);
        if (Checkpoints is { } checkpoints)
            CaptureCheckpoint(checkpoints, batch);
        ManualResetEventSlim? barrier = batch.Barrier;
        batch.DeliveryMark = DeliveryGate?.Mark() ?? 0;
        batch.DeadLetterMark = _deadLetters?.Mark() ?? 0; // covers the dead letters of this batch, published before it was sent
        // The batch may wait for output deliveries and a checkpoint save before its offsets are stored; its
        // records are done with now, and their store goes back for another batch (RecordStore).
        _stores.Return(batch.DetachRecords());
        _applied.Enqueue(batch);
        barrier?.Set();
    }

    /// <summary>Engine thread: counts record <paramref name="i"/> of the batch as rejected and dead-letters it.</summary>
    private void Reject(IngestBatch batch, int i, RejectReason reason)
    {
        _stats.AddRejected(reason);
        if (_deadLetters is { } dlq)
        {
            (TopicPartition tp, long offset, byte[]? key, byte[] value, Headers? headers) = batch.Original(i);
            dlq.Publish(tp, offset, key, value, headers, reason);
        }
    }

    /// <summary>Engine thread: imports the remembered ids of a previous owner's checkpoint (see <see cref="ImportDedupOf"/>).</summary>
    private void ImportDedup(FunnelEngine engine, string instance, byte[] checkpoint)
    {
        try
        {
            if (engine.TryImportDedupFrom(checkpoint, out int added))
            {
                _inputSinceCapture |= added > 0;
                _logger.LogInformation("Imported {Added} remembered ids from the checkpoint of instance {Instance}, the last owner of partitions assigned now", added, instance);
            }
            else
            {
                _logger.LogWarning("The checkpoint of instance {Instance} holds no remembered ids to import", instance);
            }
        }
        catch (InvalidDataException e)
        {
            _logger.LogError("The checkpoint of instance {Instance} cannot be read ({Reason}): its remembered ids are not imported, "
                + "so a producer retry straddling the hand-over may count twice", instance, e.Message);
        }
    }

    /// <summary>Engine thread: notes the offsets the batch covers and, when due (or forced), captures the state with the offsets it reflects.</summary>
    private void CaptureCheckpoint(StateCheckpointer checkpoints, IngestBatch batch)
    {
        foreach (int source in batch.CoveredSources)
        {
            (TopicPartition tp, long next) = batch.NextOffset(source);
            _appliedNext[tp] = next;
            _inputSinceCapture = true;
        }
        long now = Now();
        if (!batch.ForceCheckpoint && !checkpoints.IsDue(now, _inputSinceCapture || GatedOutput?.HasUncaptured == true))
            return;
        // One checkpoint in flight at a time: while the last one waits for its output or is being saved,
        // the next is not captured. A state whose save takes longer than the interval (a dedup set at
        // its cap is ~50 MB) is then checkpointed as often as it can be saved, instead of captures
        // piling up behind the saves, holding their batches and pausing the partitions.
        if (!batch.ForceCheckpoint && _captures > Volatile.Read(ref _settledCapture))
            return;
        _inputSinceCapture = false;
        foreach ((TopicPartition tp, long next) in _appliedNext)
            batch.CheckpointOffsets.Add(new InputOffset(tp.Topic, tp.Partition.Value, next));
        batch.Checkpoint = checkpoints.Capture(batch.CheckpointOffsets, now);
        batch.CheckpointNumber = ++_captures;
        GatedOutput?.Captured(_captures);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
