using FunnelStream.Engine;

namespace FunnelStream.Outputs.Replay;

/// <summary>Passes on only the closed windows of one size: replay adds a window size for the leakage detector that the output must not show.</summary>
internal sealed class WindowSizeFilter(IWindowSink inner, long sizeMs) : IWindowSink
{
    public void OnWindowClosed(ClosedWindow window)
    {
        if (window.SizeMs == sizeMs)
            inner.OnWindowClosed(window);
    }
}
