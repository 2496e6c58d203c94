using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FunnelStream.Hosting;

/// <summary>Logging for every command: one line per entry, all to stderr, so stdout carries only data.</summary>
internal static class Logs
{
    public static ILoggerFactory Create(IConfiguration configuration) => LoggerFactory.Create(b => b
        .AddConfiguration(configuration.GetSection("Logging"))
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        })
        .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
