using System.Diagnostics;

namespace FunnelStream.IntegrationTests;

/// <summary>`funnelstream broker` prints one bootstrap line, creates the default topics, serves kcat, and stops on SIGTERM.</summary>
public sealed class Cli_Broker_ServesAnyKafkaClient
{
    [Fact]
    public void Broker_Started_PrintsBootstrapAndKcatListsDefaultTopics()
    {
        using CliProcess broker = CliProcess.Start(["broker", "--brokers", "2", "--partitions", "4"]);
        string line = broker.WaitForLine(l => l.StartsWith("bootstrap.servers=", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        string servers = line["bootstrap.servers=".Length..];
        Assert.Equal(2, servers.Split(',').Length);
        Assert.Equal(line + Environment.NewLine, broker.Stdout); // the only stdout line

        var info = new ProcessStartInfo("kcat", ["-b", servers, "-L", "-m", "10"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process kcat = Process.Start(info) ?? throw new InvalidOperationException("kcat (Debian package kcat) is required; ./test.sh installs it");
        string listing = kcat.StandardOutput.ReadToEnd();
        kcat.WaitForExit();
        Assert.Equal(0, kcat.ExitCode);
        foreach (string topic in new[] { "funnel.clicks", "funnel.leads", "funnel.deals", "funnel.dlq" })
            Assert.Contains($"topic \"{topic}\" with 4 partitions", listing);
        Assert.Contains("2 brokers", listing);

        Assert.Equal(0, broker.Terminate(TimeSpan.FromSeconds(20)));
    }
}
