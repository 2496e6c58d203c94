using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// The engine's sink when several instances share the input partitions: each window the engine
/// closes or flushes becomes one <see cref="PartialReport"/> of this instance (every non-empty
/// breakdown, exact numbers), for the merger that owns the window's key. Engine thread only.
/// </summary>
public sealed partial class PartialWindowReports : IProvisionalWindowSink
{
    private readonly FunnelDefinition _funnel;
    private readonly PartialRecordCodec _codec;
    private readonly IKpiRecordTarget _target;
    private readonly Dictionary<(long SizeMs, long StartMs), long> _sequences = [];

    /// <summary>Reports go to <paramref name="target"/> as records (the revision is the report's sequence).</summary>
    public PartialWindowReports(FunnelDefinition funnel, string instance, IKpiRecordTarget target)
    {
        _funnel = funnel;
        _codec = new PartialRecordCodec(funnel);
        _target = target;
        Instance = instance;
    }

    /// <summary>This instance's id in its reports (unique per process run; a restored checkpoint brings back the id of the run that wrote it).</summary>
    public string Instance { get; private set; }

    /// <inheritdoc />
    public void OnWindowClosed(ClosedWindow window) => Report(window);

    /// <inheritdoc />
    public void OnWindowFlushed(ClosedWindow window) => Report(window);

    private void Report(ClosedWindow window)
    {
        _reported++;
        var key = (window.SizeMs, window.StartMs);
        long sequence = _sequences.TryGetValue(key, out long previous) ? previous + 1 : 0;
        if (window.IsFinal)
            _sequences.Remove(key);
        else
            _sequences[key] = sequence;
        var breakdowns = new List<PartialBreakdown>();
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            var totals = new StageTotals(_funnel.Stages.Count);
            window.AddTo(slot, totals);
            breakdowns.Add(new PartialBreakdown(Enumerable.Range(0, _funnel.Dimensions.Count).Select(d => window.DimensionValue(slot, d)).ToArray(), totals));
        }
        var report = new PartialReport(Instance, sequence, window.SizeMs, window.StartMs, window.IsFinal, breakdowns);
        _target.Publish(new KpiRecord(_codec.WindowKey(window.SizeMs, window.StartMs), _codec.Encode(report), (int)sequence));
    }
}
