namespace FunnelStream.IntegrationTests;

/// <summary>A bad setting stops the program at start-up, exit code 2, with a message naming the key.</summary>
public sealed class Cli_BadConfiguration_FailsAtStartNamingTheKey
{
    [Theory]
    [InlineData("FunnelStream__Windows__AllowedLateness", "-00:01:00", "FunnelStream:Windows:AllowedLateness")]
    [InlineData("FunnelStream__Windows__Sizes__0", "00:07:00", "FunnelStream:Windows:Sizes")]
    [InlineData("FunnelStream__Funnel__Dimensions__0", "country", "FunnelStream:Funnel:Dimensions")]
    [InlineData("FunnelStream__Events__Currency", "dollars", "FunnelStream:Events:Currency")]
    [InlineData("FunnelStream__Dedup__MaxEntries", "12", "FunnelStream:Dedup:MaxEntries")]
    [InlineData("FunnelStream__Windows__AllowedLatenes", "00:01:00", "AllowedLatenes")] // a typo is an unknown key
    [InlineData("FunnelStream__Windows__AllowedLateness", "soon", "FunnelStream:Windows:AllowedLateness")]
    [InlineData("FunnelStream__Kpis__GrossMargin", "1.5", "FunnelStream:Kpis:GrossMargin")]
    [InlineData("FunnelStream__Kpis__ActionStages__0", "demo", "FunnelStream:Kpis:ActionStages")]
    [InlineData("FunnelStream__Outputs__RollingInterval", "00:00:00.500", "FunnelStream:Outputs:RollingInterval")]
    [InlineData("FunnelStream__Outputs__RetryBackoff", "00:00:00", "FunnelStream:Outputs:RetryBackoff")]
    [InlineData("FunnelStream__State__Store", "s3", "FunnelStream:State:Store")]
    [InlineData("FunnelStream__State__Interval", "00:00:00.010", "FunnelStream:State:Interval")]
    [InlineData("FunnelStream__State__ChunkBytes", "1000", "FunnelStream:State:ChunkBytes")]
    [InlineData("FunnelStream__State__Store", "directory", "FunnelStream:State:Directory")] // a directory store needs its directory
    public void Run_InvalidSetting_ExitCode2AndKeyNamed(string variable, string value, string expectedKey)
    {
        (int code, _, string stderr) = CliProcess.Run(
            ["run", "--bootstrap-servers", "127.0.0.1:1"],
            new Dictionary<string, string> { [variable] = value });
        Assert.Equal(2, code);
        Assert.Contains(expectedKey, stderr);
    }

    [Fact]
    public void Run_NoBootstrapServers_ExitCode2AndKeyNamed()
    {
        (int code, _, string stderr) = CliProcess.Run(["run"]);
        Assert.Equal(2, code);
        Assert.Contains("FunnelStream:Kafka:BootstrapServers", stderr);
    }
}
