using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Kpis;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Numbers the records of each window and breakdown (issue 5): the first record of a key is
/// revision 0; a later offer of the same key becomes revision n+1 only if its numbers changed or it
/// became final, so a consumer that keeps the highest revision per key always holds the latest, and
/// once <c>final</c> is true, the settled values. Used by the single-instance sink and the merger.
/// </summary>
/// <remarks>
/// Not thread-safe (one caller thread). Memory: one entry per key offered but not yet final; the
/// entry goes when the key's final record is published.
/// </remarks>
public sealed partial class KpiRecordRevisions
{
    private readonly KpiRecordEncoder _encoder;
    private readonly IKpiRecordTarget _target;
    private readonly Dictionary<string, Emitted> _emitted = new(StringComparer.Ordinal);

    /// <summary>Creates the numbering; records go to <paramref name="target"/>.</summary>
    public KpiRecordRevisions(WindowMetrics metrics, string currency, IKpiRecordTarget target)
    {
        _encoder = new KpiRecordEncoder(metrics, currency);
        _target = target;
    }

    /// <summary>Records published since start.</summary>
    public long Published { get; private set; }

    /// <summary>Keys published but not final yet (awaiting a possible revision).</summary>
    public int Pending => _emitted.Count;

    /// <summary>
    /// Offers the numbers of one window and breakdown; publishes a record unless they are the same
    /// as the last record of the key and neither is final. Returns whether a record was published.
    /// </summary>
    public bool Offer(long sizeMs, long startMs, IReadOnlyList<string> breakdown, StageTotals totals, bool final)
    {
        byte[] key = _encoder.Key(sizeMs, startMs, breakdown);
        string id = Encoding.UTF8.GetString(key);
        int revision = 0;
        if (_emitted.TryGetValue(id, out Emitted? previous))
        {
            // Unchanged and still provisional: nothing new to say. Unchanged but now final: a new
            // revision that says so, so consumers can tell settled values from provisional ones.
            if (!final && previous.SameAs(totals))
                return false;
            revision = previous.Revision + 1;
        }
        _target.Publish(new KpiRecord(key, _encoder.Value(sizeMs, startMs, breakdown, revision, final, totals), revision));
        Published++;
        if (final)
            _emitted.Remove(id);
        else if (previous is null)
            _emitted[id] = new Emitted(totals, revision);
        else
            previous.Update(totals, revision);
        return true;
    }

    private sealed partial class Emitted
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
