using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunnelStream.IntegrationTests;

/// <summary>A logger provider that keeps every line written through it (time, level, category, message), for tests that assert on logs. Thread-safe. Test helper.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(DateTime Time, LogLevel Level, string Category, string Message)> _lines = new();

    /// <summary>The lowest level the worker logs at while this provider is attached.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Every line so far, in the order written.</summary>
    public IReadOnlyList<(DateTime Time, LogLevel Level, string Category, string Message)> Lines => [.. _lines];

    /// <summary>
    /// Every line so far of the worker's own categories (<c>FunnelStream.*</c>, not the web server's request
    /// lines), one per row, with its UTC time and <paramref name="prefix"/>: for a failing test's message.
    /// </summary>
    public string Describe(string prefix) =>
        string.Join("\n", Lines
            .Where(l => l.Category.StartsWith("FunnelStream", StringComparison.Ordinal))
            .Select(l => $"{prefix}{l.Time:HH:mm:ss.fff} {l.Level} {l.Category}: {l.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                owner._lines.Enqueue((DateTime.UtcNow, logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception)));
        }
    }
}
