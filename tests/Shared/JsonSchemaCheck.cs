using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace FunnelStream.TestSupport;

/// <summary>
/// Validates JSON documents against a schema of docs/schemas/ with the reference implementation,
/// Debian's <c>python3-jsonschema</c> (Draft 2020-12) under <c>/usr/bin/python3</c>. A missing tool
/// fails the test (scripts/setup.sh installs it with FUNNELSTREAM_SETUP_TESTS=1). Shared by the unit
/// and integration tests (linked into both projects).
/// </summary>
internal static class JsonSchemaCheck
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
import json, sys
try:
    import jsonschema
except ImportError:
    print("MISSING: python3-jsonschema", file=sys.stderr); sys.exit(3)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
count = 0
for n, line in enumerate(sys.stdin.read().splitlines(), 1):
    if not line.strip():
        continue
    count += 1
    for error in validator.iter_errors(json.loads(line)):
        bad += 1
        print(f"document {n}: {'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}", file=sys.stderr)
print(count)
sys.exit(1 if bad else 0)
""";

    /// <summary>The full path of <paramref name="name"/> under docs/schemas/.</summary>
    public static string SchemaPath(string name, [CallerFilePath] string here = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(here) ?? "", Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "FunnelStream.sln")))
                    return Path.Combine(d.FullName, "docs", "schemas", name);
            }
        }
        throw new Xunit.Sdk.XunitException("FunnelStream.sln not found above the test binaries");
    }

    /// <summary>Fails the test, listing every violation, unless each of <paramref name="documents"/> (one JSON text each) is valid.</summary>
    public static void AssertValid(string schemaName, IEnumerable<string> documents)
    {
        List<string> docs = documents.ToList();
        Assert.NotEmpty(docs);
        Assert.All(docs, d => Assert.DoesNotContain('\n', d));
        if (!File.Exists(Python))
            throw new Xunit.Sdk.XunitException($"{Python} is missing; run FUNNELSTREAM_SETUP_TESTS=1 bash scripts/setup.sh (installs python3-jsonschema).");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(SchemaPath(schemaName));
        using Process process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException($"could not start {Python}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(string.Join('\n', docs) + "\n");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException("the JSON Schema validator did not finish within 60 s");
        }
        string errors = stderr.Result;
        if (process.ExitCode == 3 && errors.Contains("MISSING:", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException("python3-jsonschema is not installed: run FUNNELSTREAM_SETUP_TESTS=1 bash scripts/setup.sh");
        Assert.True(process.ExitCode == 0, $"{docs.Count} documents checked against {schemaName}; violations:\n{errors}");
        Assert.Equal(docs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), stdout.Result.Trim());
    }
}
