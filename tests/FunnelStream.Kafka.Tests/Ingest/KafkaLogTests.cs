using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Kafka.Tests.Ingest;

public sealed class KafkaLogTests
{
    [Theory]
    [InlineData(ErrorCode.Local_Transport, LogLevel.Debug)]
    [InlineData(ErrorCode.Local_AllBrokersDown, LogLevel.Debug)]
    [InlineData(ErrorCode.Local_Authentication, LogLevel.Warning)]
    [InlineData(ErrorCode.TopicAuthorizationFailed, LogLevel.Warning)]
    public void LevelOf_ClientError_ConnectionFailuresAtDebugOthersWarn(ErrorCode code, LogLevel expected) =>
        Assert.Equal(expected, KafkaLog.LevelOf(new Error(code)));
}
