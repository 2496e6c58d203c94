using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka;

/// <summary>Routes librdkafka's log lines to <see cref="ILogger"/> at the matching level.</summary>
internal static class KafkaLog
{
    public static void Write(ILogger logger, LogMessage m)
    {
        LogLevel level = m.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility} {Name}: {Message}", m.Facility, m.Name, m.Message);
    }
}
