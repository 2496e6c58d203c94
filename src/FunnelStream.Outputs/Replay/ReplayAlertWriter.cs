using System.Text;
using FunnelStream.Engine.Leakage;

namespace FunnelStream.Outputs.Replay;

/// <summary>
/// Writes each alert record as one line of JSON (the same bytes as the value on <c>funnel.alerts</c>),
/// for <c>replay --alerts FILE</c>. Engine thread; not thread-safe.
/// </summary>
public sealed class ReplayAlertWriter(TextWriter output) : ILeakageAlertSink
{
    /// <summary>Records written.</summary>
    public long Records { get; private set; }

    public void OnAlert(LeakageAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        output.Write(Encoding.UTF8.GetString(alert.ToJsonUtf8()));
        output.Write('\n');
        Records++;
    }
}
