using System.Text.Json;
using FunnelStream.Kafka.Ingest;

namespace FunnelStream.Kafka.Tests.Ingest;

/// <summary>
/// Reading librdkafka statistics reports for broker connection states, which end an outage and
/// begin one where the client's all-brokers-down event does not come.
/// </summary>
public sealed class BrokerStatesTests
{
    private const string Report = """
        {"name":"funnelstream-consumer#consumer-1","type":"consumer","ts":1,
         "brokers":{
           ":0/internal":{"name":":0/internal","nodeid":-1,"source":"internal","state":"UP"},
           "127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"source":"configured","state":"%1"},
           "GroupCoordinator":{"name":"GroupCoordinator","nodeid":1,"source":"logical","state":"%2"}},
         "topics":{}}
        """;

    [Theory]
    [InlineData("UP", "UP", 2)]
    [InlineData("DOWN", "UP", 1)]
    [InlineData("TRY_CONNECT", "CONNECT", 0)]
    [InlineData("DOWN", "DOWN", 0)]
    public void Parse_CountsBrokersUp_NotTheInternalOne(string broker, string coordinator, int up)
    {
        BrokerStates states = BrokerStates.Parse(Report.Replace("%1", broker).Replace("%2", coordinator));

        Assert.Equal(new BrokerStates(Known: 2, Up: up), states);
    }

    [Fact]
    public void Parse_ReportWithoutBrokers_KnowsNone()
    {
        Assert.Equal(default, BrokerStates.Parse("""{"name":"c","ts":1}"""));
    }

    [Fact]
    public void Parse_NotJson_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => BrokerStates.Parse("{\"brokers\":"));
    }
}
