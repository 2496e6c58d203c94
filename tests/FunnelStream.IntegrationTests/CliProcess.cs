using System.Diagnostics;
using System.Text;

namespace FunnelStream.IntegrationTests;

/// <summary>Runs the real <c>funnelstream</c> program (built beside the tests) as a child process. Test helper.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _stdoutLines = [];

    private CliProcess(Process process)
    {
        _process = process;
    }

    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "funnelstream.dll"));
        foreach (string a in args)
            info.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach ((string k, string v) in environment)
                info.Environment[k] = v;
        }
        var process = new Process { StartInfo = info };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (cli._stdout)
            {
                cli._stdout.AppendLine(e.Data);
                cli._stdoutLines.Add(e.Data);
                Monitor.PulseAll(cli._stdout);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (cli._stderr)
                cli._stderr.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs to completion (or kills after <paramref name="timeout"/>) and returns exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using CliProcess p = Start(args, environment);
        if (!p._process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p._process.Kill(entireProcessTree: true);
            throw new TimeoutException($"funnelstream {string.Join(' ', args)} did not exit; stderr: {p.Stderr}");
        }
        p._process.WaitForExit();
        return (p._process.ExitCode, p.Stdout, p.Stderr);
    }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public int Id => _process.Id;

    /// <summary>
    /// Whether the process has exited; once it has, its last stderr and stdout lines are in
    /// <see cref="Stderr"/> and <see cref="Stdout"/> too (they arrive asynchronously, after the exit).
    /// </summary>
    public bool HasExited
    {
        get
        {
            if (!_process.HasExited)
                return false;
            _process.WaitForExit(); // drains the redirected output, as Run and WaitForExit do
            return true;
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for a stdout line matching <paramref name="predicate"/>.</summary>
    public string WaitForLine(Func<string, bool> predicate, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        lock (_stdout)
        {
            while (true)
            {
                string? line = _stdoutLines.FirstOrDefault(predicate);
                if (line is not null)
                    return line;
                TimeSpan left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _process.HasExited)
                    throw new TimeoutException($"no matching line on stdout; stdout: {_stdout}; stderr: {Stderr}");
                Monitor.Wait(_stdout, left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
            }
        }
    }

    /// <summary>Sends SIGTERM and waits for exit; returns the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        SendTerm();
        return WaitForExit(timeout, "of SIGTERM");
    }

    /// <summary>Sends SIGTERM without waiting.</summary>
    public void SendTerm()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for exit (killing the process and throwing after <paramref name="timeout"/>); returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout, string since = "")
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"did not exit within {timeout} {since}; stderr: {Stderr}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL (no chance to clean up) and waits until it is gone.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
