using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;

namespace FunnelStream.Engine;

/// <summary>
/// A window whose contents are final (the watermark passed its end plus the allowed lateness),
/// as handed to an <see cref="IWindowSink"/>. Valid only during the sink call: the engine reuses
/// its storage afterwards, so a sink copies what it keeps.
/// </summary>
public sealed class ClosedWindow
{
    private readonly FunnelEngine _engine;
    private readonly SlotLayout _layout;
    private WindowAccumulator? _window;

    internal ClosedWindow(FunnelEngine engine, SlotLayout layout)
    {
        _engine = engine;
        _layout = layout;
    }

    /// <summary>Window start, epoch ms (inclusive).</summary>
    public long StartMs => Window.StartMs;

    /// <summary>Window end, epoch ms (exclusive).</summary>
    public long EndMs => Window.EndMs;

    /// <summary>
    /// <c>true</c> when the watermark passed the end plus the allowed lateness (the contents can no
    /// longer change); <c>false</c> for an idle flush to an <see cref="IProvisionalWindowSink"/>.
    /// </summary>
    public bool IsFinal { get; private set; }

    /// <summary>Window size, ms.</summary>
    public long SizeMs => Window.EndMs - Window.StartMs;

    /// <summary>Breakdown slots that may hold events (some may be empty in this window).</summary>
    public int SlotCount => _engine.SlotCount;

    /// <summary>Whether any event was counted in <paramref name="slot"/> in this window.</summary>
    public bool HasEvents(int slot)
    {
        for (int s = 0; s < _layout.StageCount; s++)
        {
            if (Read(_layout.Count(slot, s)) != 0)
                return true;
        }
        return false;
    }

    /// <summary>Events of <paramref name="stage"/> counted in <paramref name="slot"/>.</summary>
    public long Count(int slot, int stage) => Read(_layout.Count(slot, stage));

    /// <summary>Summed <c>amount</c> of <paramref name="stage"/> in <paramref name="slot"/>, micro-units.</summary>
    public long AmountMicros(int slot, int stage) => Read(_layout.Amount(slot, stage));

    /// <summary>Summed <c>cost</c> of every event in <paramref name="slot"/>, micro-units.</summary>
    public long SpendMicros(int slot) => Read(_layout.Spend(slot));

    /// <summary>The value of breakdown dimension <paramref name="dimension"/> in <paramref name="slot"/>.</summary>
    public string DimensionValue(int slot, int dimension) => _engine.DimensionValue(slot, dimension);

    /// <summary>Adds this window's numbers for <paramref name="slot"/> into <paramref name="totals"/>.</summary>
    public void AddTo(int slot, StageTotals totals)
    {
        for (int s = 0; s < _layout.StageCount; s++)
        {
            totals.Counts[s] += Count(slot, s);
            totals.AmountsMicros[s] += AmountMicros(slot, s);
        }
        totals.SpendMicros += SpendMicros(slot);
    }

    internal void Attach(WindowAccumulator? window, bool final = true)
    {
        _window = window;
        IsFinal = final;
    }

    private WindowAccumulator Window => _window ?? throw new InvalidOperationException("a ClosedWindow is valid only during IWindowSink.OnWindowClosed");

    private long Read(int index)
    {
        long[] data = Window.Data;
        return index < data.Length ? data[index] : 0;
    }
}
