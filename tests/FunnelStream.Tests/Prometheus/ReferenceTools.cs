using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace FunnelStream.Tests.Prometheus;

/// <summary>
/// Runs the reference tools on an exposition: Debian's <c>promtool</c> (package <c>prometheus</c>) and
/// the Python client's parsers (package <c>python3-prometheus-client</c>, for <c>/usr/bin/python3</c>).
/// A missing tool fails the test with the package to install; it never skips.
/// </summary>
internal static class ReferenceTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // Parses stdin with the chosen parser and prints every family as JSON (ASCII, so no encoding
    // questions); exit 3 when the module is missing, a traceback and exit 1 when parsing fails.
    private const string PythonParse = """
        import json, math, sys
        try:
            if sys.argv[1] == "openmetrics":
                from prometheus_client.openmetrics.parser import text_string_to_metric_families
            else:
                from prometheus_client.parser import text_string_to_metric_families
        except ImportError as e:
            print("MISSING: " + str(e), file=sys.stderr)
            sys.exit(3)
        def show(v):
            v = float(v)
            return "NaN" if math.isnan(v) else "+Inf" if v == math.inf else "-Inf" if v == -math.inf else repr(v)
        text = sys.stdin.buffer.read().decode("utf-8")
        families = [{"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
                     "samples": [{"name": s.name, "labels": s.labels, "value": show(s.value)} for s in f.samples]}
                    for f in text_string_to_metric_families(text)]
        json.dump(families, sys.stdout)
        """;

    public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    public sealed record ParsedFamily(string Name, string Type, string Unit, string Help, List<ParsedSample> Samples);

    public sealed record ParsedSample(string Name, Dictionary<string, string> Labels, string Value);

    /// <summary><c>promtool check metrics</c> (with <c>--extended</c>: plus a cardinality table on stdout).</summary>
    public static async Task<ToolResult> PromtoolCheckMetricsAsync(byte[] exposition, bool extended = false)
    {
        string promtool = FindOnPath("promtool")
            ?? throw new Xunit.Sdk.XunitException(
                "promtool is not installed: it comes with Debian's 'prometheus' package (apt-get install -y prometheus; ./test.sh installs it).");
        string[] arguments = extended ? ["check", "metrics", "--extended"] : ["check", "metrics"];
        return await RunAsync(promtool, arguments, exposition);
    }

    /// <summary>
    /// Parses <paramref name="exposition"/> with the Python client's OpenMetrics parser
    /// (<paramref name="openMetrics"/>) or its text 0.0.4 parser, failing the test if it refuses.
    /// </summary>
    public static async Task<List<ParsedFamily>> PythonParseAsync(byte[] exposition, bool openMetrics)
    {
        const string python = "/usr/bin/python3";
        const string install = "apt-get install -y python3-prometheus-client (Debian's package for /usr/bin/python3)";
        if (!File.Exists(python))
            throw new Xunit.Sdk.XunitException($"{python} is missing; install python3 and then {install}.");
        ToolResult result = await RunAsync(python, ["-c", PythonParse, openMetrics ? "openmetrics" : "text"], exposition);
        if (result.ExitCode == 3 && result.Stderr.Contains("MISSING:", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException($"The Python Prometheus client is not installed: {install}.\n{result.Stderr}");
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"The {(openMetrics ? "OpenMetrics" : "text 0.0.4")} reference parser refused the exposition:\n{result.Stderr}");
        return JsonSerializer.Deserialize<List<ParsedFamily>>(result.Stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static async Task<ToolResult> RunAsync(string fileName, string[] arguments, byte[] stdin)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(Timeout);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, timeout.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool stopped reading (it exits early on a parse error); its exit code and stderr say why.
            }
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{fileName} did not finish within {Timeout}.");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
