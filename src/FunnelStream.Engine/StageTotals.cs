namespace FunnelStream.Engine;

/// <summary>
/// Per-stage counts and amounts plus spend, for one window and breakdown (or a roll-up of several):
/// the input of every KPI. Money in micro-units. Mutable and reusable; not thread-safe.
/// </summary>
public sealed class StageTotals(int stageCount)
{
    /// <summary>Count per stage id.</summary>
    public long[] Counts { get; } = new long[stageCount];

    /// <summary>Summed <c>amount</c> per stage id, micro-units.</summary>
    public long[] AmountsMicros { get; } = new long[stageCount];

    /// <summary>Summed <c>cost</c> over all events, micro-units.</summary>
    public long SpendMicros { get; set; }

    /// <summary>Sets everything to zero.</summary>
    public void Clear()
    {
        Array.Clear(Counts);
        Array.Clear(AmountsMicros);
        SpendMicros = 0;
    }
}
