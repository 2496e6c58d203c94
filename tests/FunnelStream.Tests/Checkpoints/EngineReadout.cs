using FunnelStream.Engine;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// What a user reads from an engine or one of its windows, rendered by dimension value (never by
/// interner id), so that an engine restored with other interners can be compared with the original.
/// </summary>
internal static class EngineReadout
{
    /// <summary>Counts, amounts and spend of one breakdown.</summary>
    public static string Render(StageTotals t) => $"{string.Join(',', t.Counts)};{string.Join(',', t.AmountsMicros)};{t.SpendMicros}";

    /// <summary>Every non-empty breakdown of <paramref name="window"/> as <c>campaign/channel=totals</c>, sorted, space-separated.</summary>
    public static string WindowRows(ClosedWindow window, int stages)
    {
        var rows = new List<string>();
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            var totals = new StageTotals(stages);
            window.AddTo(slot, totals);
            rows.Add($"{window.DimensionValue(slot, 0)}/{window.DimensionValue(slot, 1)}={Render(totals)}");
        }
        rows.Sort(StringComparer.Ordinal);
        return string.Join(' ', rows);
    }

    /// <summary>The engine's cumulative counters of every breakdown as <c>campaign/channel=totals</c>, sorted.</summary>
    public static List<string> CounterRows(FunnelEngine e, int stages)
    {
        CounterView counters = e.Counters;
        var rows = new List<string>();
        for (int slot = 0; slot < counters.SlotCount; slot++)
        {
            var totals = new StageTotals(stages);
            for (int st = 0; st < stages; st++)
            {
                totals.Counts[st] = counters.Count(slot, st);
                totals.AmountsMicros[st] = counters.AmountMicros(slot, st);
            }
            totals.SpendMicros = counters.SpendMicros(slot);
            rows.Add($"{e.DimensionValue(slot, 0)}/{e.DimensionValue(slot, 1)}={Render(totals)}");
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
