using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Turns the engine's windows into <c>funnel.kpis</c> records, one per window and non-empty
/// breakdown, with revisions (issue 5): the first record of a key is revision 0; a window handed
/// over again (an idle flush, then its final close) yields revision n+1 only if its numbers changed
/// or it became final. So a consumer that keeps the highest revision per key always holds the
/// latest, and once <c>final</c> is true, the settled values.
/// </summary>
/// <remarks>
/// Engine thread only. Memory: one entry per breakdown of each window that was flushed but is not
/// final yet (a quiet stream's last windows); entries go when the window closes.
/// </remarks>
public sealed class KpiWindowRecords : IProvisionalWindowSink
{
    private readonly KpiRecordEncoder _encoder;
    private readonly IKpiRecordTarget _target;
    private readonly int _stages;
    private readonly int _dimensions;
    private readonly StageTotals _totals;
    private readonly Dictionary<(long SizeMs, long StartMs, int Slot), Emitted> _emitted = [];

    /// <summary>Creates the sink; records go to <paramref name="target"/>.</summary>
    public KpiWindowRecords(WindowMetrics metrics, string currency, IKpiRecordTarget target)
    {
        _encoder = new KpiRecordEncoder(metrics, currency);
        _target = target;
        _stages = metrics.Funnel.Stages.Count;
        _dimensions = metrics.Funnel.Dimensions.Count;
        _totals = new StageTotals(_stages);
    }

    /// <summary>Records published since start.</summary>
    public long Published { get; private set; }

    /// <summary>Windows and breakdowns emitted but not final yet (awaiting a possible revision).</summary>
    public int Pending => _emitted.Count;

    /// <inheritdoc />
    public void OnWindowClosed(ClosedWindow window) => Handle(window);

    /// <inheritdoc />
    public void OnWindowFlushed(ClosedWindow window) => Handle(window);

    private void Handle(ClosedWindow window)
    {
        bool final = window.IsFinal;
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            if (!window.HasEvents(slot))
                continue;
            _totals.Clear();
            window.AddTo(slot, _totals);
            var key = (window.SizeMs, window.StartMs, slot);
            int revision = 0;
            if (_emitted.TryGetValue(key, out Emitted? previous))
            {
                // Unchanged and still provisional: nothing new to say. Unchanged but now final: a new
                // revision that says so, so consumers can tell settled values from provisional ones.
                if (!final && previous.SameAs(_totals))
                    continue;
                revision = previous.Revision + 1;
            }
            string[] breakdown = new string[_dimensions];
            for (int d = 0; d < _dimensions; d++)
                breakdown[d] = window.DimensionValue(slot, d);
            _target.Publish(new KpiRecord(
                _encoder.Key(window.SizeMs, window.StartMs, breakdown),
                _encoder.Value(window.SizeMs, window.StartMs, breakdown, revision, final, _totals),
                revision));
            Published++;
            if (final)
                _emitted.Remove(key);
            else if (previous is null)
                _emitted[key] = new Emitted(_totals, revision);
            else
                previous.Update(_totals, revision);
        }
    }

    private sealed class Emitted
    {
        private readonly long[] _counts;
        private readonly long[] _amounts;
        private long _spend;

        public Emitted(StageTotals totals, int revision)
        {
            _counts = (long[])totals.Counts.Clone();
            _amounts = (long[])totals.AmountsMicros.Clone();
            _spend = totals.SpendMicros;
            Revision = revision;
        }

        public int Revision { get; private set; }

        public bool SameAs(StageTotals totals) =>
            _spend == totals.SpendMicros && _counts.AsSpan().SequenceEqual(totals.Counts) && _amounts.AsSpan().SequenceEqual(totals.AmountsMicros);

        public void Update(StageTotals totals, int revision)
        {
            totals.Counts.CopyTo(_counts, 0);
            totals.AmountsMicros.CopyTo(_amounts, 0);
            _spend = totals.SpendMicros;
            Revision = revision;
        }
    }
}
