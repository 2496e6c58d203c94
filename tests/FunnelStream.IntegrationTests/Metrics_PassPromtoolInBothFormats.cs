using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The live worker's /metrics, in text 0.0.4 and in OpenMetrics 1.0, passes the real
/// `promtool check metrics` (Debian package prometheus). The OpenMetrics body is also parsed by the
/// Python client's OpenMetrics reference parser (python3-prometheus-client), which knows the format.
/// </summary>
public sealed partial class Metrics_PassPromtoolInBothFormats
{
    [Theory]
    [InlineData(null, "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", "application/openmetrics-text; version=1.0.0; charset=utf-8")]
    public async Task LiveWorker_Scraped_PromtoolFindsNothing(string? accept, string expectedContentType)
    {
        await using var fixture = new WorkerFixture();
        using (var producer = fixture.CreateProducer())
        {
            string ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", "v", $$"""{"id":"a","type":"click","ts":"{{ts}}","journey":"v","campaign":"quote \" back\\slash","channel":"new\nline","cost":1}""");
            await WorkerFixture.ProduceAsync(producer, "funnel.clicks", "v", "garbage");
        }
        await fixture.StartAsync();
        await fixture.ScrapeUntilAsync(m => m.Value("funnel_consumer_records_total") == 2, TimeSpan.FromSeconds(60));

        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.MetricsUri);
        if (accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await fixture.Http.SendAsync(request);
        Assert.Equal(expectedContentType, response.Content.Headers.ContentType!.ToString());
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("campaign=\"quote \\\" back\\\\slash\"", body);
        Assert.Contains("channel=\"new\\nline\"", body);

        (int code, string output) = Run("promtool", ["check", "metrics"], body);
        string[] complaints = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (accept is null)
        {
            Assert.True(code == 0 && complaints.Length == 0, $"promtool check metrics exited {code}: {output}");
            return;
        }

        Assert.EndsWith("# EOF\n", body);
        // promtool (Prometheus 2.42) lints with the text 0.0.4 parser only: an OpenMetrics counter's
        // `x_total` sample under `# HELP x` looks to it like a family of its own with no help. That one
        // artefact is accepted where the body really has the help and type for `x`; anything else fails.
        string[] unexplained = complaints.Where(line => !IsOpenMetricsCounterArtefact(line, body)).ToArray();
        Assert.True(unexplained.Length == 0, $"promtool check metrics complained: {string.Join('\n', unexplained)}");

        (int pyCode, string pyOutput) = Run("/usr/bin/python3", ["-c", OpenMetricsParse], body);
        Assert.True(pyCode == 0, $"the OpenMetrics reference parser refused the exposition (exit {pyCode}): {pyOutput}");
        Assert.Contains("funnel_events_rejected", pyOutput);
    }

    private const string OpenMetricsParse = """
        import sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        for f in text_string_to_metric_families(sys.stdin.read()):
            print(f.name, f.type, len(f.samples))
        """;

    private static bool IsOpenMetricsCounterArtefact(string complaint, string body)
    {
        Match m = HelpTextArtefact().Match(complaint.Trim());
        if (!m.Success)
            return false;
        string family = m.Groups["family"].Value;
        body = "\n" + body;
        return body.Contains($"\n# TYPE {family} counter\n", StringComparison.Ordinal)
            && body.Contains($"\n# HELP {family} ", StringComparison.Ordinal);
    }

    [GeneratedRegex("^(?<family>[a-zA-Z_:][a-zA-Z0-9_:]*)_total no help text$")]
    private static partial Regex HelpTextArtefact();

    private static (int Code, string Output) Run(string file, string[] arguments, string stdin)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process p = Process.Start(info) ?? throw new InvalidOperationException($"{file} is required; ./test.sh installs it");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }
}
