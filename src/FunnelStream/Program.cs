using System.CommandLine;
using Confluent.Kafka;
using FunnelStream.Cli;
using FunnelStream.Configuration;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Kafka.State;

var config = new Option<string?>("--config", "-c")
{
    Description = "An extra JSON settings file (same shape as appsettings.json); environment variables still override it",
    Recursive = true,
};
var root = new RootCommand("FunnelStream: real-time sales-and-marketing funnel metrics from Kafka")
{
    config,
    DemoCommand.Create(config),
    RunCommand.Create(config),
    BrokerCommand.Create(),
    GenerateCommand.Create(),
    ReplayCommand.Create(config),
};

try
{
    // Signals are ours (StopSignal): a clean shutdown may take longer than System.CommandLine's default grace period.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"funnelstream: {e.Message}");
    return 2;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"funnelstream: {e.Message}");
    return 2;
}
catch (Exception e) when (e is StateRestoreException or EngineFailedException)
{
    Console.Error.WriteLine($"funnelstream: {e.Message}");
    return 1;
}
catch (StateLostException e)
{
    Console.Error.WriteLine($"funnelstream: {e.Message}");
    return 3;
}
catch (KafkaException e)
{
    Console.Error.WriteLine($"funnelstream: fatal Kafka error {e.Error.Code}: {e.Error.Reason}");
    return 1;
}
