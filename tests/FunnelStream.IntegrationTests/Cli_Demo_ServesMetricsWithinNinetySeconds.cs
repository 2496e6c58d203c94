namespace FunnelStream.IntegrationTests;

/// <summary>`funnelstream demo` serves /metrics with non-zero funnel_events_total within 90 s, and exits 0 on SIGTERM.</summary>
public sealed class Cli_Demo_ServesMetricsWithinNinetySeconds
{
    [Fact]
    public async Task Demo_Started_EventsCountedWithin90sAndCleanExit()
    {
        int port = FreePort.Next();
        DateTime started = DateTime.UtcNow;
        using CliProcess demo = CliProcess.Start(["demo", "--listen", $"http://127.0.0.1:{port}", "--for", "5m"]);
        string line = demo.WaitForLine(l => l.StartsWith("metrics: ", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        Assert.Equal($"metrics: http://127.0.0.1:{port}/metrics", line);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        double events = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(90))
        {
            var metrics = new ScrapedMetrics(await http.GetStringAsync(line["metrics: ".Length..]));
            events = metrics.Sum("funnel_events_total");
            if (events > 0)
                break;
            await Task.Delay(500);
        }
        Assert.True(events > 0, $"no funnel_events_total within 90 s; stderr: {demo.Stderr}");

        // The live funnel page, whose URL demo prints next.
        string page = demo.WaitForLine(l => l.StartsWith("page: ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.Equal($"http://127.0.0.1:{port}/", page["page: ".Length..].Trim());
        Assert.Contains("<title>FunnelStream", await http.GetStringAsync(page["page: ".Length..].Trim()), StringComparison.Ordinal);

        Assert.Equal(0, demo.Terminate(TimeSpan.FromSeconds(30)));
        Assert.Contains("committing", demo.Stderr);
    }
}
