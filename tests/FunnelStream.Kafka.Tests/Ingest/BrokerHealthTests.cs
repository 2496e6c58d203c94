using FunnelStream.Kafka.Ingest;

namespace FunnelStream.Kafka.Tests.Ingest;

public sealed class BrokerHealthTests
{
    [Fact]
    public void SetDown_RepeatedDuringOneOutage_CountsOneOutage()
    {
        var health = new BrokerHealth();
        Assert.True(health.Up);

        Assert.True(health.SetDown());
        Assert.False(health.SetDown()); // the client reports again while still down: same outage
        Assert.False(health.Up);
        Assert.Equal(1, health.Outages);

        Assert.True(health.SetUp());
        Assert.False(health.SetUp());
        Assert.True(health.Up);
        Assert.True(health.SetDown());
        Assert.Equal(2, health.Outages);
    }
}
