namespace FunnelStream.Engine.Leakage;

/// <summary>Receives alert lifecycle records, on the engine thread, in event-time order per alert.</summary>
public interface ILeakageAlertSink
{
    /// <summary>Called once per record; the record is immutable and may be kept.</summary>
    void OnAlert(LeakageAlert alert);
}
