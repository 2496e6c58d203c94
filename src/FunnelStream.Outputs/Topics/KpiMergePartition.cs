using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// The merger's state for one partition of <c>funnel.kpis.partials</c> (docs/topics.md, "Several
/// instances"): the instances' reports per window and their progress claims per input partition.
/// A window is published, one record per breakdown (summed over the instances' latest reports),
/// once every input partition is claimed past its end, empty partitions included; it is final once
/// every input partition is claimed closed past its end. Revisions follow
/// <see cref="KpiRecordRevisions"/>.
/// </summary>
/// <remarks>
/// The state depends only on the order of the partition's records, so a new owner that reads the
/// partition from its beginning publishes the same records (same keys, revisions and values) again:
/// duplicates, never contradictions. Single-threaded.
/// </remarks>
public sealed class KpiMergePartition
{
    private readonly KpiRecordRevisions _revisions;
    private readonly int _stages;
    private readonly HashSet<(string Topic, int Partition)> _inputs;
    private readonly Dictionary<(string Topic, int Partition), (long Closed, long Flushed)> _progress = [];
    private readonly SortedDictionary<(long EndMs, long SizeMs), Dictionary<string, PartialReport>> _open = [];
    private readonly HashSet<(long EndMs, long SizeMs)> _finished = [];

    /// <summary>Merges for the input partitions <paramref name="inputs"/>; records go to <paramref name="target"/>.</summary>
    public KpiMergePartition(WindowMetrics metrics, string currency, IEnumerable<(string Topic, int Partition)> inputs, IKpiRecordTarget target)
    {
        _revisions = new KpiRecordRevisions(metrics, currency, new Forward(this, target));
        _stages = metrics.Funnel.Stages.Count;
        _inputs = [.. inputs];
    }

    /// <summary>
    /// While true, records are computed (and numbered) but not published: a new owner replays what
    /// the previous owner already published (up to its committed offset) to rebuild the state.
    /// </summary>
    public bool Replaying { get; set; }

    /// <summary>Windows with reports that are not final yet.</summary>
    public int OpenWindows => _open.Count;

    /// <summary>Applies one decoded record of the partition, in partition order.</summary>
    public void Apply(object record)
    {
        switch (record)
        {
            case PartialReport report:
                var id = (report.StartMs + report.SizeMs, report.SizeMs);
                if (_finished.Contains(id))
                    return; // a final window cannot change; a repeated report (a producer retry) changes nothing
                if (!_open.TryGetValue(id, out Dictionary<string, PartialReport>? reports))
                    _open[id] = reports = new Dictionary<string, PartialReport>(StringComparer.Ordinal);
                if (reports.TryGetValue(report.Instance, out PartialReport? held) && held.Sequence >= report.Sequence)
                    return;
                reports[report.Instance] = report;
                TryPublish(id, reports);
                break;
            case PartialProgress progress:
                foreach ((string, int) p in progress.Partitions)
                {
                    (long closed, long flushed) = _progress.GetValueOrDefault(p, (long.MinValue, long.MinValue));
                    _progress[p] = (Math.Max(closed, progress.ClosedThroughMs), Math.Max(flushed, progress.FlushedThroughMs));
                }
                foreach (KeyValuePair<(long EndMs, long SizeMs), Dictionary<string, PartialReport>> w in _open.ToArray())
                    TryPublish(w.Key, w.Value);
                break;
            default:
                throw new ArgumentException($"not a partial record: {record?.GetType().Name ?? "null"}", nameof(record));
        }
    }

    private void TryPublish((long EndMs, long SizeMs) id, Dictionary<string, PartialReport> reports)
    {
        bool final = true;
        foreach ((string, int) input in _inputs)
        {
            if (!_progress.TryGetValue(input, out (long Closed, long Flushed) p) || Math.Max(p.Closed, p.Flushed) < id.EndMs)
                return; // an input partition has not reported this window yet
            final &= p.Closed >= id.EndMs;
        }
        var merged = new SortedDictionary<string, (IReadOnlyList<string> Values, StageTotals Totals)>(StringComparer.Ordinal);
        foreach (PartialReport report in reports.Values)
        {
            foreach (PartialBreakdown b in report.Breakdowns)
            {
                string key = string.Join('\u001f', b.Values);
                if (!merged.TryGetValue(key, out var sum))
                    merged[key] = sum = (b.Values, new StageTotals(_stages));
                for (int s = 0; s < _stages; s++)
                {
                    sum.Totals.Counts[s] += b.Totals.Counts[s];
                    sum.Totals.AmountsMicros[s] += b.Totals.AmountsMicros[s];
                }
                sum.Totals.SpendMicros += b.Totals.SpendMicros;
            }
        }
        long startMs = id.EndMs - id.SizeMs;
        foreach ((IReadOnlyList<string> values, StageTotals totals) in merged.Values)
            _revisions.Offer(id.SizeMs, startMs, values, totals, final);
        if (final)
        {
            _open.Remove(id);
            _finished.Add(id);
        }
    }

    private sealed class Forward(KpiMergePartition owner, IKpiRecordTarget target) : IKpiRecordTarget
    {
        public void Publish(KpiRecord record)
        {
            if (!owner.Replaying)
                target.Publish(record);
        }
    }
}
