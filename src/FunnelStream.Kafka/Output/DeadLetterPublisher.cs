using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FunnelStream.Events;
using System.Threading.Channels;
using FunnelStream.Kafka.Ingest;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Forwards a rejected or late record, unchanged (key, value, headers), to the dead-letter topic
/// with four headers added: <c>funnelstream-reject-reason</c> (a <see cref="RejectReasons"/> label),
/// <c>funnelstream-source-topic</c>, <c>funnelstream-source-partition</c> and
/// <c>funnelstream-source-offset</c> (decimal text). A failed delivery is counted and the record
/// produced again after <see cref="RetryBackoff"/>, until acknowledged: a dead letter is never
/// dropped. As an <see cref="IDeliveryGate"/> it keeps the ingest pipeline from storing the offset of
/// a record whose dead letter is not acknowledged yet. Thread-safe.
/// </summary>
public sealed class DeadLetterPublisher : IDeliveryGate, IAsyncDisposable
{
    /// <summary>Wait before producing a dead letter again after a failed delivery.</summary>
    public static readonly TimeSpan RetryBackoff = TimeSpan.FromSeconds(1);

    public const string ReasonHeader = "funnelstream-reject-reason";
    public const string SourceTopicHeader = "funnelstream-source-topic";
    public const string SourcePartitionHeader = "funnelstream-source-partition";
    public const string SourceOffsetHeader = "funnelstream-source-offset";

    private static readonly byte[][] ReasonBytes =
        Enum.GetValues<RejectReason>().Select(r => Encoding.UTF8.GetBytes(RejectReasons.Label(r))).ToArray();

    private readonly KafkaProducerHandle _producer;
    private readonly IngestStats _stats;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly SortedSet<long> _outstanding = [];
    private readonly Channel<(Message<byte[]?, byte[]> Message, long Sequence)> _retries =
        Channel.CreateUnbounded<(Message<byte[]?, byte[]>, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _retryLoop;
    private long _sequence;

    public DeadLetterPublisher(KafkaProducerHandle producer, string topic, IngestStats stats, ILogger logger)
    {
        _producer = producer;
        Topic = topic;
        _stats = stats;
        _logger = logger;
        _retryLoop = Task.Run(RetryLoopAsync);
    }

    /// <summary>The dead-letter topic.</summary>
    public string Topic { get; }

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

    /// <summary>Stops retrying (dead letters still outstanding stay unacknowledged, so their input offsets stay unstored).</summary>
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

    /// <summary>Forwards a record of <paramref name="source"/> at <paramref name="offset"/>: its key (<c>null</c>: none), value and headers as read.</summary>
    internal void Publish(TopicPartition source, long offset, byte[]? key, byte[] value, Headers? original, RejectReason reason)
    {
        var headers = new Headers();
        if (original is not null)
        {
            foreach (IHeader h in original)
                headers.Add(h.Key, h.GetValueBytes());
        }
        headers.Add(ReasonHeader, ReasonBytes[(int)reason]);
        headers.Add(SourceTopicHeader, Encoding.UTF8.GetBytes(source.Topic ?? ""));
        headers.Add(SourcePartitionHeader, Encoding.UTF8.GetBytes(source.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(SourceOffsetHeader, Encoding.UTF8.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));
        long sequence;
        lock (_lock)
        {
            sequence = ++_sequence;
            _outstanding.Add(sequence);
        }
        Send(new Message<byte[]?, byte[]>
        {
            Key = key,
            Value = value,
            Headers = headers,
        }, sequence);
    }

    private void Send(Message<byte[]?, byte[]> message, long sequence) =>
        _producer.Produce(Topic, message, report => OnDelivery(message, sequence, report));

    private void OnDelivery(Message<byte[]?, byte[]> message, long sequence, DeliveryReport<byte[]?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            _stats.AddDeadLetterError();
            _logger.LogWarning("Dead letter to {Topic} not delivered ({Code}: {Reason}); retrying in {Backoff}", Topic, report.Error.Code, report.Error.Reason, RetryBackoff);
            // Not produced from inside the delivery callback: a full client queue would wait on the very thread that drains it.
            if (!_retries.Writer.TryWrite((message, sequence)))
                _logger.LogError("A dead letter for {Topic} was not retried because the worker is stopping; its input offset stays uncommitted", Topic);
            return;
        }
        _stats.AddDeadLettered();
        lock (_lock)
            _outstanding.Remove(sequence);
    }

    private async Task RetryLoopAsync()
    {
        ChannelReader<(Message<byte[]?, byte[]> Message, long Sequence)> reader = _retries.Reader;
        while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            await Task.Delay(RetryBackoff, _stop.Token).ConfigureAwait(false);
            while (reader.TryRead(out var retry))
                Send(retry.Message, retry.Sequence);
        }
    }
}
