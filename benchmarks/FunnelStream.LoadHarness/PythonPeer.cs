using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace FunnelStream.LoadHarness;

/// <summary>P: runs <c>peer.py</c> with Debian's Python over the same pre-loaded events, scraping its /metrics every second.</summary>
internal static class PythonPeer
{
    public static async Task<(Cost Cost, int Series)> RunAsync(string python, string bootstrap, long events)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "peer.py"), "--bootstrap", bootstrap, "--topic", BrokerProcess.EventsTopic,
            "--events", events.ToString(System.Globalization.CultureInfo.InvariantCulture), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--group", "peer-" + Guid.NewGuid().ToString("N") })
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {python}");
        string? first = await p.StandardOutput.ReadLineAsync();
        if (first is null)
            throw new InvalidOperationException($"the Python peer failed to start (is python3-confluent-kafka installed for {python}?)");
        await using var scraper = new Scraper(new Uri($"http://127.0.0.1:{port}/metrics"));
        string? last = await p.StandardOutput.ReadLineAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 || last is null)
            throw new InvalidOperationException($"the Python peer exited {p.ExitCode}: {last}");
        using JsonDocument d = JsonDocument.Parse(last);
        JsonElement r = d.RootElement;
        var cost = new Cost(r.GetProperty("events").GetInt64(), r.GetProperty("seconds").GetDouble(), r.GetProperty("cpu_seconds").GetDouble(), 0, 0, 0, 0);
        return (cost, scraper.LastSeries);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
