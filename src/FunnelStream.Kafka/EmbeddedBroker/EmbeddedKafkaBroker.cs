using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using static FunnelStream.Kafka.EmbeddedBroker.MockClusterNative;

namespace FunnelStream.Kafka.EmbeddedBroker;

/// <summary>
/// A Kafka-protocol cluster inside this process: librdkafka's mock cluster, listening on
/// 127.0.0.1, for tests, demos and the <c>broker</c> command. Any Kafka client (Confluent.Kafka,
/// kcat) connects to <see cref="BootstrapServers"/> as to a real cluster.
/// </summary>
/// <remarks>
/// <para>What the mock is and is not (librdkafka 2.0.2, <c>rdkafka_mock.h</c>):</para>
/// <list type="bullet">
/// <item>Each broker listens on its own ephemeral port on 127.0.0.1, chosen by the OS; there is
/// no way to ask for a fixed port. Broker ids run from 1 to <see cref="BrokerCount"/>.</item>
/// <item>It supports produce (plain, idempotent, transactional), fetch, list offsets, metadata,
/// and consumer groups with committed offsets. A group's first join takes about 3 s (the mock's
/// fixed initial rebalance delay). It does not support the Admin API: CreateTopics fails with
/// "waiting for controller" (the mock reports none), so create topics with
/// <see cref="CreateTopic"/>.</item>
/// <item>Any metadata request that names an unknown topic creates it, with 4 partitions: a
/// producer producing to it, a consumer subscribing to it (even with the consumer's default
/// <c>allow.auto.create.topics=false</c>), <c>GetMetadata(topic)</c>. Create topics before clients
/// use them, so that they have the partition count a test or the worker expects; a topic created
/// that way can no longer be created with <see cref="CreateTopic"/>.</item>
/// <item>Replication is bookkeeping: every partition reports min(3, <see cref="BrokerCount"/>)
/// replicas, whatever replication factor was asked for, and the mock places leaders itself, not
/// necessarily evenly. Taking a broker down does not move leadership; use
/// <see cref="SetPartitionLeader"/> to pin or move it.</item>
/// <item>Each partition keeps at most 5 MiB of record batches (and 100,000 batches); older batches
/// are dropped from the front, moving the log start offset, so a consumer that falls behind
/// resets by its <c>auto.offset.reset</c>. Nothing is compacted, nothing expires by time, nothing
/// survives <see cref="Dispose"/>.</item>
/// </list>
/// <para>Thread safety: every member may be called from any thread; the fault-injection methods
/// take effect on the cluster's own thread before they return. After <see cref="Dispose"/>, every
/// method except <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed class EmbeddedKafkaBroker : IDisposable
{
    /// <summary>Pass as a broker id to <see cref="SetBrokerDown"/>, <see cref="SetBrokerUp"/> or <see cref="SetBrokerRtt"/> to mean every broker.</summary>
    public const int AllBrokers = -1;

    /// <summary>The most brokers <see cref="Start"/> accepts: one thread serves them all, and tests need few.</summary>
    public const int MaxBrokers = 32;

    /// <summary>
    /// The most partitions <see cref="CreateTopic"/> accepts, a guard against a mistyped count:
    /// the mock allocates every partition up front, and librdkafka aborts the process when an
    /// allocation fails.
    /// </summary>
    public const int MaxPartitions = 1000;

    private static readonly SearchValues<char> TopicNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    private readonly MockClusterHandle _cluster;

    private EmbeddedKafkaBroker(MockClusterHandle cluster, int brokerCount, string bootstrapServers)
    {
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses for <c>bootstrap.servers</c>, e.g. <c>127.0.0.1:37011,127.0.0.1:41233</c>, broker 1 first.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers with no topics; the brokers accept connections when this returns.</summary>
    /// <param name="brokers">1 to <see cref="MaxBrokers"/>. Default 1.</param>
    /// <param name="logger">
    /// Receives librdkafka's log lines about the cluster (warnings such as a failed bind; with
    /// <c>debug</c> unset there are few). Null, the default, discards them: librdkafka would
    /// otherwise print them to stderr.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="brokers"/> is out of range.</exception>
    /// <exception cref="InvalidOperationException">librdkafka could not start the cluster.</exception>
    /// <exception cref="DllNotFoundException">The native librdkafka is not installed.</exception>
    public static EmbeddedKafkaBroker Start(int brokers = 1, ILogger? logger = null)
    {
        if (brokers is < 1 or > MaxBrokers)
            throw new ArgumentOutOfRangeException(nameof(brokers), brokers, $"An embedded cluster has 1 to {MaxBrokers} brokers.");
        MockClusterHandle cluster = MockClusterHandle.Create(brokers, logger);
        try
        {
            string bootstrap = ReadBootstrapServers(cluster);
            return new EmbeddedKafkaBroker(cluster, brokers, bootstrap);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Creates a topic; the mock picks each partition's leader.</summary>
    /// <param name="name">A legal Kafka topic name: 1 to 249 of <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or <c>..</c>.</param>
    /// <param name="partitions">1 to <see cref="MaxPartitions"/>.</param>
    /// <param name="replicationFactor">
    /// 1 to <see cref="BrokerCount"/>. Default 1. Checked, then ignored by the mock, which reports
    /// min(3, <see cref="BrokerCount"/>) replicas for every partition.
    /// </param>
    /// <exception cref="ArgumentException">An argument is out of range; the message names it.</exception>
    /// <exception cref="KafkaException">
    /// The mock refused, e.g. <see cref="ErrorCode.TopicAlreadyExists"/> when the topic exists
    /// (also when it was auto-created by a client earlier); the message gives librdkafka's name
    /// and description of the error.
    /// </exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ValidateTopicName(name);
        if (partitions is < 1 or > MaxPartitions)
            throw new ArgumentOutOfRangeException(nameof(partitions), partitions, $"Topic '{name}': the number of partitions must be between 1 and {MaxPartitions}.");
        if (replicationFactor < 1 || replicationFactor > BrokerCount)
            throw new ArgumentOutOfRangeException(nameof(replicationFactor), replicationFactor,
                $"Topic '{name}': the replication factor must be between 1 and the number of brokers, {BrokerCount}.");
        ThrowIfDisposed();
        int err = rd_kafka_mock_topic_create(_cluster, name, partitions, replicationFactor);
        ThrowOnError(err, $"creating topic '{name}' ({partitions} partition(s), replication factor {replicationFactor})");
    }

    /// <summary>Creates each topic with <paramref name="partitions"/> partitions and replication factor 1, in order; stops at the first failure.</summary>
    /// <exception cref="ArgumentException">A name or the partition count is invalid (see <see cref="CreateTopic"/>).</exception>
    /// <exception cref="KafkaException">The mock refused a topic (see <see cref="CreateTopic"/>).</exception>
    public void CreateTopics(IEnumerable<string> names, int partitions)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (string name in names)
            CreateTopic(name, partitions);
    }

    /// <summary>
    /// Closes the broker's connections and refuses new ones until <see cref="SetBrokerUp"/>.
    /// Leadership does not move: the partitions it leads are unavailable meanwhile, and clients
    /// retry. Taking a down broker down again has no effect.
    /// </summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    public void SetBrokerDown(int brokerId)
    {
        ValidateBrokerId(brokerId);
        ThrowIfDisposed();
        ThrowOnError(rd_kafka_mock_broker_set_down(_cluster, brokerId), $"setting broker {brokerId} down");
    }

    /// <summary>Makes the broker accept connections again, on the same port; clients reconnect after their own back-off.</summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    public void SetBrokerUp(int brokerId)
    {
        ValidateBrokerId(brokerId);
        ThrowIfDisposed();
        ThrowOnError(rd_kafka_mock_broker_set_up(_cluster, brokerId), $"setting broker {brokerId} up");
    }

    /// <summary>Delays every response of the broker by <paramref name="rtt"/>; <see cref="TimeSpan.Zero"/> removes the delay.</summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>, or <see cref="AllBrokers"/>.</param>
    /// <param name="rtt">0 to <see cref="int.MaxValue"/> milliseconds; sub-millisecond parts are dropped.</param>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        ValidateBrokerId(brokerId);
        if (rtt < TimeSpan.Zero || rtt.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rtt), rtt, "The round-trip time must be between 0 and int.MaxValue milliseconds.");
        ThrowIfDisposed();
        ThrowOnError(rd_kafka_mock_broker_set_rtt(_cluster, brokerId, (int)rtt.TotalMilliseconds), $"setting broker {brokerId}'s round-trip time");
    }

    /// <summary>
    /// Makes <paramref name="brokerId"/> the leader of one partition (clients learn it from their
    /// next metadata refresh, typically after a NOT_LEADER error). If the topic does not exist,
    /// the mock auto-creates it first (see the remarks on the class).
    /// </summary>
    /// <param name="topic">The topic's name.</param>
    /// <param name="partition">The partition, from 0.</param>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>, or -1 to leave the partition without a leader.</param>
    /// <exception cref="KafkaException">The mock refused, e.g. the partition does not exist.</exception>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ValidateTopicName(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (brokerId != -1 && (brokerId < 1 || brokerId > BrokerCount))
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids run from 1 to {BrokerCount} (or -1 for no leader).");
        ThrowIfDisposed();
        ThrowOnError(rd_kafka_mock_partition_set_leader(_cluster, topic, partition, brokerId),
            $"making broker {brokerId} the leader of {topic} [{partition}]");
    }

    /// <summary>
    /// Makes the next <c>errors.Length</c> requests of kind <paramref name="apiKey"/>, to any
    /// broker, fail with these errors in order, one error per request; later requests are served
    /// normally. Pushes add to errors still pending. <see cref="ErrorCode.Local_Transport"/> makes
    /// the broker close the connection instead of answering.
    /// </summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
            return;
        ThrowIfDisposed();
        unsafe
        {
            // ErrorCode is an int enum with librdkafka's rd_kafka_resp_err_t values.
            fixed (ErrorCode* codes = errors)
                rd_kafka_mock_push_request_errors_array(_cluster, (short)apiKey, (nuint)errors.Length, (int*)codes);
        }
    }

    /// <summary>Drops the errors still pending for <paramref name="apiKey"/> from <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        ThrowIfDisposed();
        rd_kafka_mock_clear_request_errors(_cluster, (short)apiKey);
    }

    /// <summary>
    /// Stops the cluster: closes every listener and connection and frees its data. Idempotent and
    /// thread-safe; a call in progress on another thread finishes first. Takes up to about 1 s
    /// when a client disconnected just before (the mock's thread finishes its poll interval).
    /// </summary>
    public void Dispose() => _cluster.Dispose();

    private static unsafe string ReadBootstrapServers(MockClusterHandle cluster) =>
        Marshal.PtrToStringUTF8((nint)rd_kafka_mock_cluster_bootstraps(cluster))
        ?? throw new InvalidOperationException("Embedded broker: the mock cluster reported no bootstrap servers.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_cluster.IsClosed, this);

    private void ValidateBrokerId(int brokerId)
    {
        if (brokerId != AllBrokers && (brokerId < 1 || brokerId > BrokerCount))
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids run from 1 to {BrokerCount} (or {AllBrokers} for all brokers).");
    }

    private static void ValidateTopicName(string name, [CallerArgumentExpression(nameof(name))] string? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        // Kafka's own rule (org.apache.kafka.common.internals.Topic.validate); the mock checks nothing.
        bool legal = name.Length is >= 1 and <= 249 && name is not "." and not ".."
            && !name.AsSpan().ContainsAnyExcept(TopicNameChars);
        if (!legal)
            throw new ArgumentException($"'{name}' is not a legal Kafka topic name: 1 to 249 of [a-zA-Z0-9._-], not '.' or '..'.", parameter);
    }

    private static void ThrowOnError(int err, string action)
    {
        if (err != NoError)
            throw new KafkaException(new Error((ErrorCode)err, $"Embedded broker: {action} failed: {ErrorName(err)}: {ErrorDescription(err)}"));
    }
}
