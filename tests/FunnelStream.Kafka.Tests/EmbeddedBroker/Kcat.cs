using System.Diagnostics;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>Runs the <c>kcat</c> command-line client, found on PATH, as an outside Kafka client.</summary>
internal static class Kcat
{
    /// <summary>The result of one run; both outputs complete.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs kcat with <paramref name="arguments"/>, writing <paramref name="stdin"/> (if any) and
    /// closing it. Fails the test, not skips it, when kcat is not installed: test.sh installs it.
    /// </summary>
    public static Result Run(IEnumerable<string> arguments, string? stdin, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(FindOnPath())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("kcat did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"kcat {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s. stderr: {stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindOnPath()
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "kcat");
            if (File.Exists(candidate))
                return candidate;
        }
        Assert.Fail($"kcat was not found on PATH ({path}). Install it (Debian: apt-get install kcat); ./test.sh does this through scripts/setup.sh.");
        return "";
    }
}
