using System.CommandLine;
using FunnelStream.Configuration;
using FunnelStream.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Cli;

/// <summary><c>run</c>: the worker against any Kafka.</summary>
internal static class RunCommand
{
    public static Command Create(Option<string?> config)
    {
        var bootstrap = new Option<string?>("--bootstrap-servers", "-b") { Description = "Kafka bootstrap servers (overrides FunnelStream:Kafka:BootstrapServers)" };
        var listen = new Option<string?>("--listen") { Description = "Metrics and health URL (overrides FunnelStream:Web:Listen), e.g. http://0.0.0.0:9464" };
        var command = new Command("run", "Run the worker against a Kafka cluster") { bootstrap, listen };
        command.SetAction(async (parse, _) =>
        {
            IConfigurationRoot configuration = AppConfiguration.Build(parse.GetValue(config), Overrides(parse.GetValue(bootstrap), parse.GetValue(listen)));
            ResolvedSettings settings = ResolvedSettings.From(configuration);
            string servers = settings.Raw.Kafka.BootstrapServers;
            if (string.IsNullOrWhiteSpace(servers))
                throw new ConfigurationException(["FunnelStream:Kafka:BootstrapServers: required for 'run' (or pass --bootstrap-servers); 'demo' uses the embedded broker"]);
            using ILoggerFactory loggers = Logs.Create(configuration);
            using var stop = new StopSignal();
            var worker = new Worker(settings, loggers);
            await worker.RunAsync(servers, url => Console.Error.WriteLine($"metrics: {url.TrimEnd('/')}/metrics"), stop.Token);
            return 0;
        });
        return command;
    }

    public static Dictionary<string, string?> Overrides(string? bootstrap, string? listen)
    {
        var o = new Dictionary<string, string?>();
        if (bootstrap is not null)
            o["FunnelStream:Kafka:BootstrapServers"] = bootstrap;
        if (listen is not null)
            o["FunnelStream:Web:Listen"] = listen;
        return o;
    }
}
