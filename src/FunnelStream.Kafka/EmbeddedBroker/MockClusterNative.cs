using System.Runtime.InteropServices;

namespace FunnelStream.Kafka.EmbeddedBroker;

/// <summary>
/// The part of librdkafka's C API the embedded broker needs: a client handle to own the mock
/// cluster, and the mock cluster API of <c>rdkafka_mock.h</c> (experimental in librdkafka, not
/// covered by its ABI guarantees; these signatures match 2.0.2).
/// </summary>
/// <remarks>
/// Same library name as Confluent.Kafka loads, so both resolve to the same <c>librdkafka.so</c>.
/// Every <c>rd_kafka_resp_err_t</c> and C enum is an <see cref="int"/>. The mock functions post a
/// command to the cluster's own thread and wait for it, so they may be called from any thread.
/// </remarks>
internal static unsafe partial class MockClusterNative
{
    private const string Library = "librdkafka";

    /// <summary><c>RD_KAFKA_PRODUCER</c> of <c>rd_kafka_type_t</c>.</summary>
    public const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c> of <c>rd_kafka_conf_res_t</c>.</summary>
    public const int ConfOk = 0;

    /// <summary><c>RD_KAFKA_RESP_ERR_NO_ERROR</c>.</summary>
    public const int NoError = 0;

    [LibraryImport(Library)]
    public static partial nint rd_kafka_conf_new();

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(nint conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_log_cb(nint conf, delegate* unmanaged<nint, int, byte*, byte*, void> logCb);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_opaque(nint conf, nint opaque);

    [LibraryImport(Library)]
    public static partial nint rd_kafka_opaque(nint rk);

    /// <summary>On success the handle owns <paramref name="conf"/>; on failure the caller still does.</summary>
    [LibraryImport(Library)]
    public static partial nint rd_kafka_new(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_err2str(int err);

    [LibraryImport(Library)]
    public static partial byte* rd_kafka_err2name(int err);

    [LibraryImport(Library)]
    public static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    /// <summary>Must run before <see cref="rd_kafka_destroy"/> of the owning handle.</summary>
    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_cluster_destroy(nint mcluster);

    /// <summary>The string belongs to the cluster and lives as long as it does.</summary>
    [LibraryImport(Library)]
    public static partial byte* rd_kafka_mock_cluster_bootstraps(MockClusterHandle mcluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_topic_create(MockClusterHandle mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_mock_partition_set_leader(MockClusterHandle mcluster, string topic, int partition, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_down(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_up(MockClusterHandle mcluster, int brokerId);

    [LibraryImport(Library)]
    public static partial int rd_kafka_mock_broker_set_rtt(MockClusterHandle mcluster, int brokerId, int rttMs);

    // The array form, not the variadic rd_kafka_mock_push_request_errors: a C# call cannot pass
    // C varargs portably.
    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_push_request_errors_array(MockClusterHandle mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(Library)]
    public static partial void rd_kafka_mock_clear_request_errors(MockClusterHandle mcluster, short apiKey);

    /// <summary>librdkafka's name for the error, e.g. <c>TOPIC_ALREADY_EXISTS</c> or <c>_INVALID_ARG</c>.</summary>
    public static string ErrorName(int err) => Marshal.PtrToStringUTF8((nint)rd_kafka_err2name(err)) ?? err.ToString();

    /// <summary>librdkafka's description of the error, e.g. <c>Broker: Topic already exists</c>.</summary>
    public static string ErrorDescription(int err) => Marshal.PtrToStringUTF8((nint)rd_kafka_err2str(err)) ?? err.ToString();
}
