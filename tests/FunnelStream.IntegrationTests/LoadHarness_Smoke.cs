using System.Diagnostics;
using System.Text.Json;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The load harness (benchmarks/FunnelStream.LoadHarness, benchmarks/README.md) runs end to end in
/// smoke mode — its own broker process, a few thousand events, the Python peer, two rounds — and
/// reports every row with sane numbers. Timings are not judged here: the machine running the suite is noisy.
/// </summary>
public sealed class LoadHarness_Smoke
{
    [Fact]
    public async Task Harness_SmokeMode_ReportsEveryRowWithPositiveNumbers()
    {
        string harness = FindHarness();
        string json = Path.Combine(Path.GetTempPath(), $"harness-smoke-{Guid.NewGuid():N}.json");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { harness, "--smoke", "--rounds", "2", "--json", json })
            info.ArgumentList.Add(a);
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the harness did not finish its smoke run within 90 s:\n{await stderr}");
        }
        Assert.True(process.ExitCode == 0, $"harness exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        Assert.Contains("| B1 bare consumer |", await stdout);

        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
        File.Delete(json);
        JsonElement root = report.RootElement;
        Dictionary<string, JsonElement> rows = root.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!.Split(' ')[0]);
        foreach (string row in new[] { "B1", "E2E", "P" })
        {
            Assert.True(rows.ContainsKey(row), $"row {row} missing");
            Assert.True(rows[row].GetProperty("events").GetInt64() > 0, $"{row}: events");
            Assert.True(rows[row].GetProperty("events_per_second").GetDouble() > 0, $"{row}: events/s");
            Assert.True(rows[row].GetProperty("cpu_us_per_event").GetDouble() > 0, $"{row}: CPU per event");
            // Every row ran once per round, and reports its median round (of two, the slower one).
            double[] byRound = [.. rows[row].GetProperty("events_per_second_by_round").EnumerateArray().Select(x => x.GetDouble())];
            Assert.Equal(2, byRound.Length);
            Assert.Equal(byRound.Min(), rows[row].GetProperty("events_per_second").GetDouble());
        }
        Assert.Equal(2, root.GetProperty("rounds").GetInt32());
        foreach (string row in new[] { "B1", "E2E" })
            Assert.True(rows[row].GetProperty("bytes_per_event").GetDouble() > 0, $"{row}: bytes per event");
        JsonElement freshness = root.GetProperty("freshness");
        foreach (string side in new[] { "b3", "e2e" })
        {
            Assert.True(freshness.GetProperty(side).GetProperty("records").GetInt64() > 0, $"freshness {side}: records");
            Assert.True(freshness.GetProperty(side).GetProperty("p99_ms").GetDouble() > 0, $"freshness {side}: p99");
            // A lost record delays every later one in the percentiles: at the smoke rate nothing may be lost.
            Assert.Equal(0, freshness.GetProperty(side).GetProperty("lost").GetInt64());
            Assert.True(freshness.GetProperty(side).GetProperty("lag_per_second").GetArrayLength() >= 1, $"freshness {side}: lag samples");
        }
        Assert.Equal(JsonValueKind.Array, root.GetProperty("ratios").GetProperty("gen2_reasons").ValueKind);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("ratios").GetProperty("large_object_allocations").ValueKind);
        Assert.True(root.GetProperty("ratios").GetProperty("e2e_over_b1_events_per_second").GetDouble() > 0);
    }

    /// <summary>The harness built beside these tests (solution build, default or artifacts layout), else built now.</summary>
    private static string FindHarness()
    {
        string here = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(here.Replace("FunnelStream.IntegrationTests", "FunnelStream.LoadHarness"), "FunnelStream.LoadHarness.dll"),
            Path.Combine(here.Replace(Path.Combine("tests", "FunnelStream.IntegrationTests"), Path.Combine("benchmarks", "FunnelStream.LoadHarness")), "FunnelStream.LoadHarness.dll"),
        ];
        foreach (string c in candidates)
        {
            if (File.Exists(c))
                return c;
        }
        string? root = FindRepoRoot(here) ?? FindRepoRoot(Directory.GetCurrentDirectory())
            ?? throw new FileNotFoundException("FunnelStream.LoadHarness.dll is not built beside the tests and the repository was not found");
        string output = Path.Combine(Path.GetTempPath(), "funnelstream-harness-smoke");
        var build = Process.Start(new ProcessStartInfo("dotnet", ["build", Path.Combine(root, "benchmarks", "FunnelStream.LoadHarness"), "-c", "Release", "--artifacts-path", output, "-v", "quiet"]) { UseShellExecute = false })!;
        build.WaitForExit();
        Assert.Equal(0, build.ExitCode);
        return Path.Combine(output, "bin", "FunnelStream.LoadHarness", "release", "FunnelStream.LoadHarness.dll");
    }

    private static string? FindRepoRoot(string start)
    {
        for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "FunnelStream.sln")))
                return d.FullName;
        }
        return null;
    }
}
