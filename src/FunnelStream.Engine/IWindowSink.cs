namespace FunnelStream.Engine;

/// <summary>Receives every window the engine closes, oldest first per window size, on the engine's thread.</summary>
public interface IWindowSink
{
    /// <summary>Called once per closed window; <paramref name="window"/> is valid only during the call.</summary>
    void OnWindowClosed(ClosedWindow window);
}
