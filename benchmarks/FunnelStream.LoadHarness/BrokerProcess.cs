using System.Diagnostics;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.LoadHarness;

/// <summary>
/// The embedded broker in its own process (so its CPU and memory are not the measured process's):
/// this same executable run as <c>broker-child PARTITIONS</c>, which prints <c>bootstrap.servers=...</c>
/// and runs until its stdin closes.
/// </summary>
internal sealed class BrokerProcess : IDisposable
{
    public const string EventsTopic = "bench.events";
    public const string FreshTopic = "bench.fresh";
    public const string FreshBareTopic = "bench.fresh.bare";

    /// <summary>
    /// Partitions of the freshness topics: 4, not more. The mock cluster finds the message set for a
    /// fetch offset by walking the partition's list of retained message sets from the oldest (its
    /// <c>rd_kafka_mock_msgset_find</c>, "FIXME: Maintain an index"). At 50,000 records/s with a 1 ms
    /// linger, 16 partitions get message sets of ~3 records, so once ~5 MB per partition is retained
    /// every fetch walks ~10,000 sets per partition; the broker fell behind within 20 s, and the bare
    /// consumer as much as the worker (side by side, 1-minute runs: B3 p99 8.0 s with 143k records
    /// lost to retention at 16 partitions, 8.7 ms with none lost at 4). A real broker indexes its log.
    /// </summary>
    public const int FreshPartitions = 4;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of every consumer in the harness (B1, B3, P, the worker). The mock
    /// cluster answers a fetch that finds no new data only after this wait (it does not wake a waiting
    /// fetch when data arrives), so with the client default of 500 ms a consumer that has caught up
    /// sees each new record up to half a second late, which is the broker's doing, not the client's.
    /// </summary>
    public const int FetchWaitMaxMs = 5;

    private readonly Process _process;

    private BrokerProcess(Process process, string bootstrap)
    {
        _process = process;
        BootstrapServers = bootstrap;
    }

    public string BootstrapServers { get; }

    public static BrokerProcess Start(int partitions)
    {
        string self = typeof(BrokerProcess).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(self);
        psi.ArgumentList.Add("broker-child");
        psi.ArgumentList.Add(partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the broker process");
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
        {
            if (line.StartsWith("bootstrap.servers=", StringComparison.Ordinal))
                return new BrokerProcess(p, line["bootstrap.servers=".Length..]);
        }
        throw new InvalidOperationException("the broker process exited without printing bootstrap.servers=");
    }

    /// <summary>The child's side: runs the broker with the harness topics until stdin closes.</summary>
    public static int RunChild(int partitions)
    {
        using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start();
        broker.CreateTopic(EventsTopic, partitions);
        broker.CreateTopic(FreshTopic, FreshPartitions);
        broker.CreateTopic(FreshBareTopic, FreshPartitions);
        broker.CreateTopic("funnel.dlq", 1);
        broker.CreateTopic("funnel.state", 1); // the worker checkpoints there by default
        Console.Out.WriteLine($"bootstrap.servers={broker.BootstrapServers}");
        Console.Out.Flush();
        Console.In.ReadToEnd();
        return 0;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
                _process.Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
