using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka;

/// <summary>Routes librdkafka's log lines to <see cref="ILogger"/> at the matching level.</summary>
/// <remarks>
/// Connection failures are reported twice by librdkafka, as a <c>FAIL</c> log line and as a
/// transport error, again on every reconnect attempt; both go to debug level. The client retries
/// them; <c>funnel_kafka_errors_total</c> counts them, and the ingest pipeline logs one line when
/// all brokers are down and one when they are back (docs/reliability.md).
/// </remarks>
internal static class KafkaLog
{
    public static void Write(ILogger logger, LogMessage m)
    {
        LogLevel level = m.Facility == "FAIL" ? LogLevel.Debug : m.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility} {Name}: {Message}", m.Facility, m.Name, m.Message);
    }

    /// <summary>The level a non-fatal client error is logged at: debug for connection failures (retried, counted, summarised as outages), warning otherwise.</summary>
    public static LogLevel LevelOf(Error e) =>
        e.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown ? LogLevel.Debug : LogLevel.Warning;
}
