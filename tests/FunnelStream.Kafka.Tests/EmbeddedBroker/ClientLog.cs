using System.Collections.Concurrent;
using Confluent.Kafka;

namespace FunnelStream.Kafka.Tests.EmbeddedBroker;

/// <summary>
/// Keeps the Kafka clients' log and error lines of one test in memory instead of on stderr (a
/// broker outage is expected noise), so that a failing assertion can show the last of them.
/// Thread-safe: librdkafka calls in from its own threads.
/// </summary>
internal sealed class ClientLog
{
    private const int Capacity = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    public void Add(string client, LogMessage message) =>
        Append($"{client} log {message.Level} {message.Facility}: {message.Message}");

    public void Add(string client, Error error) =>
        Append($"{client} error {error.Code}{(error.IsFatal ? " (fatal)" : "")}: {error.Reason}");

    /// <summary>The most recent lines, oldest first, one per line.</summary>
    public string Tail() => _lines.IsEmpty ? "(no client log lines)" : string.Join(Environment.NewLine, _lines);

    private void Append(string line)
    {
        _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        while (_lines.Count > Capacity)
            _lines.TryDequeue(out _);
    }
}
