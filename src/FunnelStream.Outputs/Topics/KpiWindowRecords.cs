using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// The engine's sink for <c>funnel.kpis</c> when one instance sees every input partition: each
/// window the engine closes (final) or flushes (a quiet stream, provisional) becomes one record per
/// non-empty breakdown, numbered by <see cref="KpiRecordRevisions"/>. Engine thread only.
/// </summary>
public sealed partial class KpiWindowRecords : IProvisionalWindowSink
{
    private readonly KpiRecordRevisions _revisions;
    private readonly int _dimensions;
    private readonly StageTotals _totals;

    /// <summary>Creates the sink; records go to <paramref name="target"/>.</summary>
    public KpiWindowRecords(WindowMetrics metrics, string currency, IKpiRecordTarget target)
    {
        _revisions = new KpiRecordRevisions(metrics, currency, target);
        _funnel = metrics.Funnel;
        _dimensions = metrics.Funnel.Dimensions.Count;
        _totals = new StageTotals(metrics.Funnel.Stages.Count);
    }

    /// <summary>Records published since start.</summary>
    public long Published => _revisions.Published;

    /// <summary>Windows and breakdowns emitted but not final yet (awaiting a possible revision).</summary>
    public int Pending => _revisions.Pending;

    /// <inheritdoc />
    public void OnWindowClosed(ClosedWindow window) => Handle(window);

    /// <inheritdoc />
    public void OnWindowFlushed(ClosedWindow window) => Handle(window);

    private void Handle(ClosedWindow window)
    {
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            _totals.Clear();
            window.AddTo(slot, _totals);
            string[] breakdown = new string[_dimensions];
            for (int d = 0; d < _dimensions; d++)
                breakdown[d] = window.DimensionValue(slot, d);
            _revisions.Offer(window.SizeMs, window.StartMs, breakdown, _totals, window.IsFinal);
        }
    }
}
