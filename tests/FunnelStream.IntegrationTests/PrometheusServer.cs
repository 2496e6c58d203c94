using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The real Prometheus server (Debian's <c>prometheus</c>, /usr/bin/prometheus) on a free loopback
/// port with its storage in a temporary folder, queried through its HTTP API. Disposing stops it and
/// deletes the folder. A missing binary fails the test naming the package (scripts/setup.sh installs it).
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/prometheus";
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _dir;

    private PrometheusServer(Process process, string dir, Uri uri)
    {
        _process = process;
        _dir = dir;
        Uri = uri;
    }

    public Uri Uri { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>What the server wrote to stdout/stderr so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Starts Prometheus with <paramref name="configYaml"/> and waits until <c>/-/ready</c> answers 200.</summary>
    public static async Task<PrometheusServer> StartAsync(string configYaml)
    {
        Assert.True(System.IO.File.Exists(Binary), $"{Binary} is missing: apt-get install prometheus (scripts/setup.sh does, with FUNNELSTREAM_SETUP_TESTS=1)");
        string dir = Directory.CreateTempSubdirectory("funnelstream-prometheus-").FullName;
        string config = Path.Combine(dir, "prometheus.yml");
        await System.IO.File.WriteAllTextAsync(config, configYaml);
        int port = FreePort.Next();
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(dir, "data"),
            $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
        })
        {
            info.ArgumentList.Add(a);
        }
        var server = new PrometheusServer(Process.Start(info)!, dir, new Uri($"http://127.0.0.1:{port}/"));
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();

        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (server._process.HasExited)
            {
                string log = server.Log;
                await server.DisposeAsync();
                throw new Xunit.Sdk.XunitException($"prometheus exited with {server._process.ExitCode} at start-up:\n{log}");
            }
            try
            {
                using HttpResponseMessage ready = await server.Http.GetAsync(new Uri(server.Uri, "-/ready"));
                if (ready.IsSuccessStatusCode)
                    return server;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > until)
            {
                string log = server.Log;
                await server.DisposeAsync();
                throw new Xunit.Sdk.XunitException($"prometheus was not ready within 60 s:\n{log}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// An instant query at the current time. Returns the <c>data.result</c> array (a copy), or throws
    /// with Prometheus's error when the query is refused (bad syntax, unknown function, ...).
    /// </summary>
    public async Task<JsonElement> QueryAsync(string expr)
    {
        using var form = new FormUrlEncodedContent([new("query", expr)]);
        using HttpResponseMessage response = await Http.PostAsync(new Uri(Uri, "api/v1/query"), form);
        string body = await response.Content.ReadAsStringAsync();
        using JsonDocument doc = JsonDocument.Parse(body);
        if (!response.IsSuccessStatusCode || doc.RootElement.GetProperty("status").GetString() != "success")
            throw new PromQlException(expr, body);
        JsonElement data = doc.RootElement.GetProperty("data");
        JsonElement result = data.GetProperty("result");
        // A scalar or string result is [time, "value"]: wrap it so callers always see a list of results.
        return data.GetProperty("resultType").GetString() is "scalar" or "string"
            ? JsonDocument.Parse("[" + result.GetRawText() + "]").RootElement.Clone()
            : result.Clone();
    }

    /// <summary>The <c>data.groups</c> of <c>/api/v1/rules</c>: every loaded rule with its query, health and last error.</summary>
    public async Task<JsonElement> RuleGroupsAsync()
    {
        string body = await Http.GetStringAsync(new Uri(Uri, "api/v1/rules"));
        using JsonDocument doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data").GetProperty("groups").Clone();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            _process.Dispose();
            Http.Dispose();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }
}
