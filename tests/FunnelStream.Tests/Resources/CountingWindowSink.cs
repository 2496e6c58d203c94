using FunnelStream.Engine;

namespace FunnelStream.Tests.Resources;

/// <summary>Counts the windows an engine closes and the breakdown slots they carry, as the worker's KPI outputs would receive them. Test helper.</summary>
internal sealed class CountingWindowSink : IWindowSink
{
    public long Windows { get; private set; }

    public long MaxSlots { get; private set; }

    public void OnWindowClosed(ClosedWindow window)
    {
        Windows++;
        MaxSlots = Math.Max(MaxSlots, window.SlotCount);
    }
}
