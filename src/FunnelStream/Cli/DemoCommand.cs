using System.CommandLine;
using FunnelStream.Configuration;
using FunnelStream.Generator;
using FunnelStream.Hosting;
using FunnelStream.Kafka.EmbeddedBroker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Cli;

/// <summary><c>demo</c>: the embedded broker, live synthetic traffic, and the worker, in one process.</summary>
internal static class DemoCommand
{
    public static Command Create(Option<string?> config)
    {
        var listen = new Option<string?>("--listen") { Description = "Metrics and health URL (default http://127.0.0.1:9464)" };
        var runFor = new Option<string?>("--for") { Description = "Stop by itself after this long (e.g. 5m); default: until Ctrl+C" };
        // Demo traffic: a few hundred events a second, stage delays compressed so deals close within minutes,
        // some duplicates and a trickle of malformed records so every panel has something to show.
        GenerateCommand.TrafficArgs traffic = GenerateCommand.TrafficArgs.Create("7d", 300, 0.01, 0.002, 0.002);
        var command = new Command("demo", "Run the embedded broker, live synthetic traffic and the worker; prints the metrics and page URLs") { listen, runFor };
        foreach (Option o in traffic.All)
            command.Options.Add(o);
        command.SetAction(async (parse, _) =>
        {
            Dictionary<string, string?> overrides = RunCommand.Overrides(null, parse.GetValue(listen));
            // The embedded broker's topics, offsets and data live and die with this process: a checkpoint
            // could never be restored, so the demo takes none (docs/reliability.md).
            overrides["FunnelStream:State:Store"] = "none";
            IConfigurationRoot configuration = AppConfiguration.Build(parse.GetValue(config), overrides);
            ResolvedSettings settings = ResolvedSettings.From(configuration);
            TrafficOptions trafficOptions = traffic.ToOptions(parse, DateTimeOffset.UtcNow);
            using ILoggerFactory loggers = Logs.Create(configuration);
            ILogger logger = loggers.CreateLogger("FunnelStream.Demo");
            using var stop = new StopSignal();
            if (parse.GetValue(runFor) is { } f)
                stop.StopAfter(Durations.Parse(f, "--for"));

            using EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.Start(1, loggers.CreateLogger("FunnelStream.EmbeddedBroker"));
            broker.CreateTopics(settings.Raw.Kafka.ResolvedTopics, 3);
            if (!string.IsNullOrEmpty(settings.Raw.Kafka.DeadLetterTopic))
                broker.CreateTopic(settings.Raw.Kafka.DeadLetterTopic, 1);
            if (settings.Leakage is not null)
                broker.CreateTopic(settings.Raw.Leakage.Topic, 1);
            foreach (string output in new[] { settings.Raw.Outputs.KpiTopic, settings.Raw.Outputs.RollingTopic, settings.Raw.Outputs.PartialsTopic })
            {
                if (!string.IsNullOrEmpty(output))
                    broker.CreateTopic(output, 1);
            }
            logger.LogInformation("Embedded broker at {Servers}", broker.BootstrapServers);

            var worker = new Worker(settings, loggers);
            Task generator = Task.Run(() => TrafficPublisher.PublishAsync(new TrafficGenerator(trafficOptions).Generate(),
                broker.BootstrapServers, realtime: true, loggers.CreateLogger("FunnelStream.Generate"), stop.Token));
            await worker.RunAsync(broker.BootstrapServers, url =>
            {
                Console.Out.WriteLine($"metrics: {url.TrimEnd('/')}/metrics");
                Console.Out.WriteLine($"page:    {url.TrimEnd('/')}/");
                Console.Out.Flush();
            }, stop.Token);
            await generator;
            return 0;
        });
        return command;
    }
}
