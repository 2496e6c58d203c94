using System.CommandLine;
using FunnelStream.Hosting;
using FunnelStream.Kafka.EmbeddedBroker;

namespace FunnelStream.Cli;

/// <summary><c>broker</c>: the embedded Kafka-protocol broker, standalone, for any Kafka client.</summary>
internal static class BrokerCommand
{
    /// <summary>Topics the worker reads and writes by default.</summary>
    public static readonly string[] DefaultTopics = ["funnel.clicks", "funnel.leads", "funnel.deals", "funnel.dlq", "funnel.alerts", "funnel.kpis", "funnel.kpis.rolling", "funnel.kpis.partials", "funnel.state"];

    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Brokers in the cluster (1-9)", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per default topic (1-64)", DefaultValueFactory = _ => 3 };
        var command = new Command("broker",
            "Run the embedded Kafka-protocol broker (librdkafka's mock cluster) with the default topics; prints 'bootstrap.servers=...' and runs until stopped. " +
            "It keeps about 5 MB per partition and never compacts: for demos and tests, not production.")
        {
            brokers, partitions,
        };
        command.SetAction(async (parse, _) =>
        {
            int n = parse.GetValue(brokers), p = parse.GetValue(partitions);
            if (n is < 1 or > 9)
                throw new ArgumentException($"--brokers: must be between 1 and 9 (got {n})");
            if (p is < 1 or > 64)
                throw new ArgumentException($"--partitions: must be between 1 and 64 (got {p})");
            using var stop = new StopSignal();
            using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(n);
            broker.CreateTopics(DefaultTopics, p);
            Console.Out.WriteLine($"bootstrap.servers={broker.BootstrapServers}");
            Console.Out.Flush();
            Console.Error.WriteLine($"broker: {n} broker(s), topics {string.Join(", ", DefaultTopics)} with {p} partition(s) each; Ctrl+C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }
}
