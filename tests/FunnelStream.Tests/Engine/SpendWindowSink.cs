using FunnelStream.Engine;

namespace FunnelStream.Tests.Engine;

/// <summary>Records, per closed window and breakdown, the spend and the number of spend events (engine tests of restatements).</summary>
internal sealed class SpendWindowSink : IWindowSink
{
    public List<(long StartMs, long SizeMs, string Breakdown, long SpendMicros, long SpendEvents)> Closed { get; } = [];

    public void OnWindowClosed(ClosedWindow window)
    {
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            string breakdown = $"{window.DimensionValue(slot, 0)}/{window.DimensionValue(slot, 1)}";
            Closed.Add((window.StartMs, window.SizeMs, breakdown, window.SpendMicros(slot), window.Count(slot, FunnelStream.Events.FunnelDefinition.Default.SpendStage)));
        }
    }
}
