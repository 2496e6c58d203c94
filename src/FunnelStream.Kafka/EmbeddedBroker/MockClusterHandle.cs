using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using static FunnelStream.Kafka.EmbeddedBroker.MockClusterNative;

namespace FunnelStream.Kafka.EmbeddedBroker;

/// <summary>
/// Owns one librdkafka mock cluster (the handle value) together with the client handle it lives
/// on, and releases both exactly once, cluster first: librdkafka asserts that every mock cluster is
/// destroyed before the <c>rd_kafka_t</c> that created it.
/// </summary>
/// <remarks>
/// A <see cref="SafeHandle"/> so that <see cref="SafeHandle.Dispose()"/> is idempotent and
/// thread-safe, and a native call in progress on another thread keeps the cluster alive until it
/// returns (the marshaller holds a reference for the duration of the call).
/// </remarks>
internal sealed unsafe class MockClusterHandle : SafeHandle
{
    private const int ErrorBufferSize = 512;

    private nint _kafka;
    private GCHandle _logger;

    private MockClusterHandle(nint kafka, GCHandle logger)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        _kafka = kafka;
        _logger = logger;
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Starts a cluster of brokers listening on 127.0.0.1.</summary>
    /// <param name="brokerCount">How many brokers; their ids are 1 to <paramref name="brokerCount"/>.</param>
    /// <param name="logger">Receives librdkafka's log lines about the cluster; null discards them.</param>
    /// <exception cref="InvalidOperationException">librdkafka could not create the handle or the cluster.</exception>
    public static MockClusterHandle Create(int brokerCount, ILogger? logger)
    {
        GCHandle sink = logger is null ? default : GCHandle.Alloc(logger);
        nint conf = rd_kafka_conf_new();
        nint kafka = 0;
        try
        {
            byte* error = stackalloc byte[ErrorBufferSize];
            if (rd_kafka_conf_set(conf, "client.id", "funnelstream-embedded-broker", error, ErrorBufferSize) != ConfOk)
                throw new InvalidOperationException($"Embedded broker: librdkafka rejected client.id: {Utf8(error)}");
            // Without a log callback librdkafka prints to stderr, from its own threads.
            rd_kafka_conf_set_log_cb(conf, &OnLog);
            if (sink.IsAllocated)
                rd_kafka_conf_set_opaque(conf, GCHandle.ToIntPtr(sink));

            kafka = rd_kafka_new(ProducerType, conf, error, ErrorBufferSize);
            if (kafka == 0)
                throw new InvalidOperationException($"Embedded broker: librdkafka could not create the client handle that owns the mock cluster: {Utf8(error)}");
            conf = 0;

            nint cluster = rd_kafka_mock_cluster_new(kafka, brokerCount);
            if (cluster == 0)
                throw new InvalidOperationException(
                    $"Embedded broker: librdkafka could not start a mock cluster of {brokerCount} broker(s) (listen sockets or its thread); pass a logger to Start to see why.");

            var result = new MockClusterHandle(kafka, sink);
            result.SetHandle(cluster);
            return result;
        }
        catch
        {
            if (conf != 0)
                rd_kafka_conf_destroy(conf);
            if (kafka != 0)
                rd_kafka_destroy(kafka);
            if (sink.IsAllocated)
                sink.Free();
            throw;
        }
    }

    protected override bool ReleaseHandle()
    {
        rd_kafka_mock_cluster_destroy(handle);
        rd_kafka_destroy(_kafka);
        _kafka = 0;
        // Only now: the log callback may run until rd_kafka_destroy returns.
        if (_logger.IsAllocated)
            _logger.Free();
        return true;
    }

    // Called on librdkafka's threads (the cluster's, the handle's), so it must never throw.
    [UnmanagedCallersOnly]
    private static void OnLog(nint kafka, int level, byte* facility, byte* message)
    {
        try
        {
            nint opaque = rd_kafka_opaque(kafka);
            if (opaque == 0 || GCHandle.FromIntPtr(opaque).Target is not ILogger logger)
                return;
            string fac = Utf8(facility);
            // The owning handle is a producer with no bootstrap.servers on purpose (it never
            // connects anywhere), and librdkafka warns about that once at creation; client.id is
            // the only other setting, so no configuration warning can matter here.
            if (fac == "CONFWARN")
                return;
            KafkaLog.Write(logger, new LogMessage("embedded-broker", (SyslogLevel)level, fac, Utf8(message)));
        }
        catch
        {
            // A failing logger must not take the native thread down with it.
        }
    }

    private static string Utf8(byte* text) => Marshal.PtrToStringUTF8((nint)text) ?? "";
}
