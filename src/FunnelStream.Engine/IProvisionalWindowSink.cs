namespace FunnelStream.Engine;

/// <summary>
/// A window sink that also wants open windows of a quiet stream before they are final: when no
/// event has been counted for the idle-source timeout (processing time), the engine hands it every
/// open window whose end plus the allowed lateness is at or before processing time and that
/// changed since it was last handed over (<see cref="ClosedWindow.IsFinal"/> is <c>false</c>).
/// Such a window stays open: events within the allowed lateness of the event-time watermark may
/// still change it, and it is later closed (final) as usual. See docs/topics.md, "Quiet streams".
/// </summary>
public interface IProvisionalWindowSink : IWindowSink
{
    /// <summary>Called on the engine thread; <paramref name="window"/> is valid only during the call.</summary>
    void OnWindowFlushed(ClosedWindow window);
}
