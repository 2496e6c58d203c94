using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Confluent.Kafka;
using FunnelStream.Kafka.Ingest;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Publishes the worker's output records (<c>funnel.kpis</c>, <c>funnel.kpis.rolling</c>) through
/// the one shared <see cref="KafkaProducerHandle"/> (idempotent, acks=all). A delivery error is
/// counted in <see cref="OutputStats"/> and the record is produced again after a back-off, for as
/// long as it takes: a record is never dropped. Until it is acknowledged it stays outstanding, and as
/// the <see cref="IDeliveryGate"/> of the ingest pipeline this keeps the input offsets from
/// advancing past the batch that produced it. Thread-safe.
/// </summary>
public sealed class OutputPublisher : IDeliveryGate, IAsyncDisposable
{
    /// <summary>Header with the value's schema, e.g. <c>funnelstream.kpi.window/1</c>.</summary>
    public const string SchemaHeader = "funnelstream-schema";

    /// <summary>Header with the record's revision, decimal text (window records only).</summary>
    public const string RevisionHeader = "funnelstream-revision";

    private static readonly byte[] JsonContentType = "application/json"u8.ToArray();

    private readonly KafkaProducerHandle _producer;
    private readonly OutputStats _stats;
    private readonly TimeSpan _retryBackoff;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly SortedSet<long> _outstanding = [];
    private readonly Channel<Outgoing> _retries = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _retryLoop;
    private long _sequence;

    /// <summary>Creates the publisher; <paramref name="stats"/> names the topics it may publish to.</summary>
    public OutputPublisher(KafkaProducerHandle producer, OutputStats stats, TimeSpan retryBackoff, ILogger logger, TimeProvider time)
    {
        _producer = producer;
        _stats = stats;
        _retryBackoff = retryBackoff;
        _logger = logger;
        _time = time;
        _retryLoop = Task.Run(RetryLoopAsync);
    }

    /// <summary>The counters.</summary>
    public OutputStats Stats => _stats;

    /// <summary>
    /// Produces a JSON record to topic number <paramref name="topic"/> of <see cref="OutputStats.Topics"/>,
    /// partitioned by <paramref name="key"/> (librdkafka's default partitioner). Never blocks on
    /// delivery; blocks only while the client's queue is full.
    /// </summary>
    public void Publish(int topic, byte[] key, byte[] value, string schema, int? revision = null) =>
        PublishTo(topic, Partition.Any, key, value, schema, revision);

    /// <summary>As <see cref="Publish"/>, to partition <paramref name="partition"/> (<see cref="Partition.Any"/>: by key).</summary>
    public void PublishTo(int topic, Partition partition, byte[] key, byte[] value, string schema, int? revision = null)
    {
        var headers = new Headers
        {
            { "content-type", JsonContentType },
            { SchemaHeader, Encoding.UTF8.GetBytes(schema) },
        };
        if (revision is int r)
            headers.Add(RevisionHeader, Encoding.UTF8.GetBytes(r.ToString(CultureInfo.InvariantCulture)));
        long sequence;
        lock (_lock)
        {
            sequence = ++_sequence;
            _outstanding.Add(sequence);
        }
        _stats.AddProduced();
        Send(new Outgoing(new TopicPartition(_stats.Topics[topic], partition), topic, new Message<byte[]?, byte[]> { Key = key, Value = value, Headers = headers }, sequence));
    }

    /// <inheritdoc />
    public long Mark()
    {
        lock (_lock)
            return _sequence;
    }

    /// <inheritdoc />
    public bool IsDeliveredThrough(long mark)
    {
        lock (_lock)
            return _outstanding.Count == 0 || _outstanding.Min > mark;
    }

    /// <summary>Stops retrying (records still outstanding stay unacknowledged, so their input offsets stay uncommitted).</summary>
    public async ValueTask DisposeAsync()
    {
        _retries.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _retryLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private void Send(Outgoing record) =>
        _producer.Produce(record.Destination, record.Message, report => OnDelivery(record, report));

    private void OnDelivery(Outgoing record, DeliveryReport<byte[]?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            _stats.AddError(record.Topic);
            _logger.LogWarning("Delivery to {Topic} failed ({Code}: {Reason}); retrying in {Backoff}",
                _stats.Topics[record.Topic], report.Error.Code, report.Error.Reason, _retryBackoff);
            // Not produced from inside the delivery callback: a full client queue would wait on the very thread that drains it.
            if (!_retries.Writer.TryWrite(record))
                _logger.LogError("A record for {Topic} was not retried because the worker is stopping; its input offsets stay uncommitted", _stats.Topics[record.Topic]);
            return;
        }
        _stats.AddDelivered(record.Topic);
        lock (_lock)
            _outstanding.Remove(record.Sequence);
    }

    private async Task RetryLoopAsync()
    {
        ChannelReader<Outgoing> reader = _retries.Reader;
        while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            await Task.Delay(_retryBackoff, _time, _stop.Token).ConfigureAwait(false);
            while (reader.TryRead(out Outgoing? record))
                Send(record);
        }
    }

    private sealed record Outgoing(TopicPartition Destination, int Topic, Message<byte[]?, byte[]> Message, long Sequence);
}
