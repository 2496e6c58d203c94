using System.Runtime.CompilerServices;
using FunnelStream.Events;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Per-journey funnel state (the first second each stage was reached) and what it yields:
/// journey-based conversion a → b per entry cohort with ClickHouse <c>windowFunnel</c> semantics, time
/// to convert, sales-cycle length and stalled journeys (spec/kpis.md; issue 3, items 3-4).
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> One thread (the engine thread) calls <see cref="Observe"/>, <see cref="Expire"/>
/// and <see cref="PublishSnapshot"/>. <see cref="Snapshot"/> and <see cref="Evictions"/> may be read from
/// any thread: the snapshot is an immutable object swapped in with a volatile write after each full
/// pass, so a scrape never sees a half-updated state and never takes a lock.</para>
/// <para><b>Semantics.</b> Times are whole seconds (floor of epoch ms / 1000), as <c>windowFunnel</c> over a
/// <c>DateTime</c>. Per journey and tracked stage the store keeps the earliest second seen, so arrival
/// order does not matter (an earlier event replaces a later one). A journey counts as entered a → b in
/// the cohort floor(ts(a) / cohort size) when it reached a, and as converted when it also reached b with
/// ts(a) ≤ ts(b) ≤ ts(a) + conversion window. Because only first times are kept, a journey whose first b
/// precedes its first a is not converted even if a later b follows a (ClickHouse, which keeps every
/// event, would count it); the SQL reference test uses the same first-times definition.</para>
/// <para><b>Determinism.</b> Cohort counts are a function of the current first times, maintained
/// incrementally (a change of ts(a) moves the journey between cohorts), so they do not depend on arrival
/// order. Histograms are counters and must not go down, so a conversion (and a sales cycle) is recorded
/// once, at the first full pass after ts(b) is older than watermark − allowed lateness: from then on the
/// engine drops every event that could change it, so the recorded value is the same in any arrival order.
/// Where this does not hold: a journey evicted at the cap records its conversions as they stand and loses
/// the rest; a journey expired after a conversion window without events starts afresh if it appears
/// again (a new entry in the cohorts of the stages it reaches then).</para>
/// <para><b>Cost.</b> <see cref="Observe"/> is one hash lookup plus, when a stage is reached for the
/// first time, two cohort updates. The full pass (expiry, histogram finalization, stalled gauges,
/// snapshot) is O(journeys) and runs at most once per <see cref="JourneyOptions.ScanInterval"/> of
/// watermark advance. At the cap, the least recently active 1/32 of the journeys (by event time) are
/// evicted in one O(n) step, so eviction costs O(1) amortized per new journey (about 32 row visits).</para>
/// </remarks>
public sealed partial class JourneyStore
{
    /// <summary>Row flag: the journey reached a closed stage (e.g. <c>lost</c>) and is never stalled.</summary>
    private const uint ClosedBit = 1u << 31;
    /// <summary>Row flag: the sales cycle was recorded. Bits 0..29 flag the recorded conversions per pair.</summary>
    private const uint SalesCycleBit = 1u << 30;
    private const int EvictionBuckets = 4096;

    private readonly JourneyOptions _options;
    private readonly int _ordered;
    private readonly int _pairs;
    private readonly int[] _columnOf;
    private readonly bool[] _closes;
    private readonly int _leadColumn;
    private readonly int _wonColumn;
    /// <summary>With a sales-cycle tracker: the column holding the won event's breakdown slot + 1 (0 unknown); else -1.</summary>
    private readonly int _wonSlotColumn = -1;
    private readonly SalesCycleTracker? _salesCycles;
    private readonly long[] _slaMs;
    private readonly uint _windowSec;
    private readonly long _cohortSec;
    private readonly long _retentionSec;
    private readonly long _latenessMs;
    private readonly long _scanIntervalMs;
    private readonly int _maxJourneys;
    private readonly JourneyTable _table;
    private readonly Dictionary<long, CohortCell>[] _cohorts;
    private readonly DurationHistogram[] _timeToConvert;
    private readonly DurationHistogram _salesCycle;
    private readonly long[] _stalled;
    private readonly List<int> _doomed = [];
    private readonly int[] _evictionHistogram = new int[EvictionBuckets];
    private long _nextScanMs = long.MinValue;
    private long _evictions;
    private long _expirations;
    private JourneySnapshot _snapshot;

    /// <summary>Creates a store for the ordered stages of <paramref name="funnel"/>.</summary>
    /// <param name="funnel">Stage ids 0..OrderedCount-1 are the ordered funnel; at most 31 ordered stages.</param>
    /// <param name="options">Validated here; copied. <see cref="JourneyOptions.LeadStage"/>, <see cref="JourneyOptions.WonStage"/> or a <see cref="JourneyOptions.ClosedStages"/> entry that the funnel lacks disables what it is for.</param>
    /// <param name="salesCycles">
    /// Fed with each journey's sales cycle, attributed to its first won event's window and breakdown slot
    /// (see <see cref="SalesCycleTracker"/>); <c>null</c> for none. Costs one more 4-byte column per journey.
    /// </param>
    /// <exception cref="ArgumentException">An option is out of range, or an SLA names a stage outside the ordered funnel.</exception>
    public JourneyStore(FunnelDefinition funnel, JourneyOptions options, SalesCycleTracker? salesCycles = null)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (funnel.OrderedCount > 31)
            throw new ArgumentException($"at most 31 ordered stages are supported, got {funnel.OrderedCount}", nameof(funnel));
        _options = options;
        Funnel = funnel;
        _ordered = funnel.OrderedCount;
        _pairs = _ordered - 1;

        // Columns: the ordered stages, then lead and won when they lie outside the order.
        _columnOf = Enumerable.Repeat(-1, funnel.Stages.Count).ToArray();
        for (int s = 0; s < _ordered; s++)
            _columnOf[s] = s;
        int columns = _ordered;
        _leadColumn = ColumnFor(funnel.IndexOf(options.LeadStage), ref columns);
        _wonColumn = ColumnFor(funnel.IndexOf(options.WonStage), ref columns);
        if (salesCycles is not null && _leadColumn >= 0 && _wonColumn >= 0)
        {
            _salesCycles = salesCycles;
            _wonSlotColumn = columns++;
        }
        _closes = new bool[funnel.Stages.Count];
        foreach (string name in options.ClosedStages)
        {
            int s = funnel.IndexOf(name);
            if (s >= 0)
                _closes[s] = true;
        }
        _slaMs = Enumerable.Repeat(-1L, _ordered).ToArray();
        foreach ((string name, TimeSpan sla) in options.StageSla)
        {
            int s = funnel.IndexOf(name);
            if (s < 0 || s >= _ordered)
                throw new ArgumentException($"StageSla names '{name}', which is not an ordered stage; allowed: {string.Join(", ", funnel.Stages.Take(_ordered))}", nameof(options));
            _slaMs[s] = (long)sla.TotalMilliseconds;
        }

        _windowSec = (uint)Math.Min(uint.MaxValue, (long)options.ConversionWindow.TotalSeconds);
        _cohortSec = (long)options.CohortSize.TotalSeconds;
        _retentionSec = (long)options.CohortRetention.TotalSeconds;
        _latenessMs = (long)options.AllowedLateness.TotalMilliseconds;
        _scanIntervalMs = (long)options.ScanInterval.TotalMilliseconds;
        _maxJourneys = options.MaxJourneys;
        _table = new JourneyTable(columns, _maxJourneys);
        _cohorts = Enumerable.Range(0, _pairs).Select(_ => new Dictionary<long, CohortCell>()).ToArray();
        _timeToConvert = Enumerable.Range(0, _pairs).Select(_ => new DurationHistogram(options.TimeToConvertBucketsSeconds)).ToArray();
        _salesCycle = new DurationHistogram(options.SalesCycleBucketsSeconds);
        _stalled = new long[_ordered];
        _snapshot = BuildSnapshot(long.MinValue);

        int ColumnFor(int stage, ref int next)
        {
            if (stage < 0)
                return -1;
            if (_columnOf[stage] < 0)
                _columnOf[stage] = next++;
            return _columnOf[stage];
        }
    }

    /// <summary>The funnel whose stage ids <see cref="Observe"/> takes.</summary>
    public FunnelDefinition Funnel { get; }

    /// <summary>Journeys held now. Engine thread.</summary>
    public int Count => _table.Count;

    /// <summary>Bytes held by the journey table (array capacity). Engine thread.</summary>
    public long EstimatedBytes => _table.CapacityBytes;

    /// <summary>Journeys evicted at the cap since start. Any thread.</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    /// <summary>The latest published snapshot. Any thread, lock-free; replaced by each full pass.</summary>
    public JourneySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Records that <paramref name="journeyHash"/> had an event of <paramref name="stage"/> at <paramref name="timestampMs"/>. Engine thread.</summary>
    /// <param name="journeyHash">The journey's hash; 0 (no journey) is ignored.</param>
    /// <param name="stage">A stage id of <see cref="Funnel"/>. Stages outside the ordered funnel (other than the won stage) only refresh the journey's last activity, or close it.</param>
    /// <param name="timestampMs">Event time, epoch ms; times before 1970-01-01T00:00:01Z or after 2106 are ignored.</param>
    /// <param name="slot">The breakdown slot the engine counted the event in (for the sales-cycle tracker); -1 when unknown.</param>
    /// <remarks>Call it only for counted events (not duplicates, not late): the histograms' determinism relies on the engine dropping late events.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Observe(ulong journeyHash, int stage, long timestampMs, int slot = -1)
    {
        long sec = timestampMs >= 0 ? timestampMs / 1000 : -1;
        if (journeyHash == 0 || (uint)stage >= (uint)_columnOf.Length || sec < 1 || sec > uint.MaxValue)
            return;
        uint t = (uint)sec;
        int column = _columnOf[stage];
        int row = _table.Find(journeyHash);
        if (row < 0)
        {
            // A stage nobody tracks, on a journey we do not know: nothing worth a row.
            if (column < 0)
                return;
            if (_table.Count >= _maxJourneys)
                Evict();
            row = _table.Add(journeyHash);
        }
        ref uint last = ref _table.Last(row);
        if (t > last)
            last = t;
        if (_closes[stage])
            _table.Bits(row) |= ClosedBit;
        if (column < 0)
            return;
        if (_wonSlotColumn >= 0 && (column == _leadColumn || column == _wonColumn))
            ReachCycleEnd(row, column, t, slot);
        else
            Reach(row, column, t);
    }

    /// <summary>
    /// Tells the store the watermark (epoch ms). When it has advanced by <see cref="JourneyOptions.ScanInterval"/>
    /// since the last full pass, runs one: forgets journeys inactive for a conversion window (plus the
    /// allowed lateness), records final conversions and sales cycles, counts stalled journeys and publishes
    /// a new <see cref="Snapshot"/>. Engine thread; call it whenever the engine's watermark advances.
    /// </summary>
    public void Expire(long watermarkMs)
    {
        _salesCycles?.OnWatermark(watermarkMs);
        if (watermarkMs < _nextScanMs)
            return;
        PublishSnapshot(watermarkMs);
    }

    /// <summary>Runs a full pass now (see <see cref="Expire"/>) and publishes its snapshot. Engine thread.</summary>
    /// <param name="watermarkMs">The watermark, epoch ms.</param>
    /// <param name="endOfInput">
    /// The input is complete (end of a replay): record every conversion and sales cycle now rather than
    /// waiting for the lateness bound. Maturity is still judged by <paramref name="watermarkMs"/>.
    /// </param>
    public void PublishSnapshot(long watermarkMs, bool endOfInput = false)
    {
        long lateCutoffMs = watermarkMs < long.MinValue + _latenessMs ? long.MinValue : watermarkMs - _latenessMs;
        // Seconds before this one can no longer receive events (ms before the cutoff are late).
        long closedBefore = FloorDiv(lateCutoffMs, 1000);
        long recordBefore = endOfInput ? long.MaxValue : closedBefore;
        Array.Clear(_stalled);
        _doomed.Clear();
        for (int row = 0; row < _table.Count; row++)
        {
            RecordFinal(row, recordBefore);
            uint last = _table.Last(row);
            if (last + (long)_windowSec < closedBefore)
            {
                // No event that could convert any of its pairs can still arrive.
                _doomed.Add(row);
                continue;
            }
            CountStalled(row, watermarkMs);
        }
        for (int i = _doomed.Count - 1; i >= 0; i--)
        {
            RecordFinal(_doomed[i], long.MaxValue);
            _table.RemoveAt(_doomed[i]);
        }
        _expirations += _doomed.Count;
        DropOldCohorts(closedBefore);
        _nextScanMs = watermarkMs > long.MaxValue - _scanIntervalMs ? long.MaxValue : watermarkMs + _scanIntervalMs;
        Volatile.Write(ref _snapshot, BuildSnapshot(watermarkMs));
    }

    private void Reach(int row, int column, uint t)
    {
        Span<uint> times = _table.Times(row);
        uint old = times[column];
        if (old != 0 && old <= t)
            return;
        if (column < _ordered)
        {
            // The pairs (column-1, column) and (column, column+1) may change cohort or conversion.
            if (column > 0)
                Tally(column - 1, times[column - 1], old, -1);
            if (column < _pairs)
                Tally(column, old, times[column + 1], -1);
            times[column] = t;
            if (column > 0)
                Tally(column - 1, times[column - 1], t, +1);
            if (column < _pairs)
                Tally(column, t, times[column + 1], +1);
        }
        else
        {
            times[column] = t;
        }
    }

    /// <summary>
    /// <see cref="Reach"/> for the lead or won column, keeping the sales-cycle tracker equal to the
    /// journey's current cycle: the old contribution (if any) is taken back and the new one added.
    /// </summary>
    private void ReachCycleEnd(int row, int column, uint t, int slot)
    {
        Span<uint> times = _table.Times(row);
        uint oldLead = times[_leadColumn], oldWon = times[_wonColumn], oldSlot = times[_wonSlotColumn];
        Reach(row, column, t);
        uint lead = times[_leadColumn], won = times[_wonColumn];
        if (won != oldWon)
            times[_wonSlotColumn] = (uint)(slot + 1);
        uint wonSlot = times[_wonSlotColumn];
        if (lead == oldLead && won == oldWon)
            return;
        if (oldLead != 0 && oldWon >= oldLead)
            _salesCycles!.Add(oldWon, (int)oldSlot - 1, oldWon - oldLead, -1);
        if (lead != 0 && won >= lead)
            _salesCycles!.Add(won, (int)wonSlot - 1, won - lead, +1);
    }

    private void Tally(int pair, uint a, uint b, int sign)
    {
        if (a == 0)
            return;
        long cohort = a / _cohortSec;
        Dictionary<long, CohortCell> cells = _cohorts[pair];
        if (!cells.TryGetValue(cohort, out CohortCell? cell))
        {
            // A retracted journey whose cohort was already dropped: nothing to take back.
            if (sign < 0)
                return;
            cell = new CohortCell();
            cells.Add(cohort, cell);
        }
        cell.Entered += sign;
        if (Converted(a, b))
            cell.Converted += sign;
        if (cell.Entered == 0)
            cells.Remove(cohort);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Converted(uint a, uint b) => a != 0 && b >= a && b - a <= _windowSec;

    /// <summary>Records the conversions and the sales cycle of <paramref name="row"/> whose end is before <paramref name="recordBefore"/> (seconds) and not yet recorded.</summary>
    private void RecordFinal(int row, long recordBefore)
    {
        Span<uint> times = _table.Times(row);
        ref uint bits = ref _table.Bits(row);
        for (int p = 0; p < _pairs; p++)
        {
            uint a = times[p];
            uint b = times[p + 1];
            if ((bits & (1u << p)) == 0 && Converted(a, b) && b < recordBefore)
            {
                _timeToConvert[p].Record(b - a);
                bits |= 1u << p;
            }
        }
        if ((bits & SalesCycleBit) == 0 && _leadColumn >= 0 && _wonColumn >= 0)
        {
            uint lead = times[_leadColumn];
            uint won = times[_wonColumn];
            if (lead != 0 && won >= lead && won < recordBefore)
            {
                _salesCycle.Record(won - lead);
                bits |= SalesCycleBit;
            }
        }
    }

    private void CountStalled(int row, long watermarkMs)
    {
        if ((_table.Bits(row) & ClosedBit) != 0)
            return;
        Span<uint> times = _table.Times(row);
        for (int s = _ordered - 1; s >= 0; s--)
        {
            if (times[s] == 0)
                continue;
            // The furthest stage reached; time in it is measured from the start of its second.
            if (_slaMs[s] >= 0 && watermarkMs > times[s] * 1000L + _slaMs[s])
                _stalled[s]++;
            return;
        }
    }

    /// <summary>
    /// Evicts the least recently active 1/32 of the journeys (at least one), recording their conversions
    /// as they stand. The cut is found with a 4096-bucket histogram of last-activity seconds (O(n), no
    /// sort): buckets below the cut go whole, the bucket at the cut fills the quota from the highest rows
    /// down, so the order is exact to within (newest − oldest activity) / 4096 and deterministic.
    /// </summary>
    private void Evict()
    {
        int count = _table.Count;
        int victims = Math.Min(count, Math.Max(1, _maxJourneys / 32));
        uint min = uint.MaxValue, max = 0;
        for (int row = 0; row < count; row++)
        {
            uint l = _table.Last(row);
            min = Math.Min(min, l);
            max = Math.Max(max, l);
        }
        int shift = 0;
        while (((max - min) >> shift) >= EvictionBuckets)
            shift++;
        int[] histogram = _evictionHistogram;
        Array.Clear(histogram);
        for (int row = 0; row < count; row++)
            histogram[(_table.Last(row) - min) >> shift]++;
        int cut = 0;
        int below = 0;
        while (below + histogram[cut] < victims)
            below += histogram[cut++];
        int atCut = victims - below;
        for (int row = count - 1; row >= 0; row--)
        {
            long bucket = (_table.Last(row) - min) >> shift;
            if (bucket > cut || (bucket == cut && atCut-- <= 0))
                continue;
            RecordFinal(row, long.MaxValue);
            _table.RemoveAt(row);
        }
        Volatile.Write(ref _evictions, _evictions + victims);
    }

    private void DropOldCohorts(long closedBefore)
    {
        foreach (Dictionary<long, CohortCell> cells in _cohorts)
        {
            foreach (long cohort in cells.Keys)
            {
                if ((cohort + 1) * _cohortSec + _windowSec + _retentionSec < closedBefore)
                    cells.Remove(cohort);
            }
        }
    }

    private JourneySnapshot BuildSnapshot(long watermarkMs)
    {
        long lateCutoffMs = watermarkMs < long.MinValue + _latenessMs ? long.MinValue : watermarkMs - _latenessMs;
        long closedBefore = FloorDiv(lateCutoffMs, 1000);
        var transitions = new TransitionSnapshot[_pairs];
        for (int p = 0; p < _pairs; p++)
        {
            long wait = _windowSec;
            if (_options.Maturity == CohortMaturityRule.P95TimeToConvert && _timeToConvert[p].P95UpperBound(_options.MaturityMinSamples) is double p95)
                wait = Math.Min(wait, (long)Math.Ceiling(p95));
            CohortSnapshot[] cohorts = _cohorts[p]
                .OrderBy(c => c.Key)
                .Select(c =>
                {
                    long end = (c.Key + 1) * _cohortSec;
                    return new CohortSnapshot(c.Key * _cohortSec * 1000, end * 1000, c.Value.Entered, c.Value.Converted, end + wait <= closedBefore);
                })
                .ToArray();
            transitions[p] = new TransitionSnapshot(p, p + 1, cohorts, _timeToConvert[p].Snapshot());
        }
        StalledStage[] stalled = Enumerable.Range(0, _ordered)
            .Where(s => _slaMs[s] >= 0)
            .Select(s => new StalledStage(s, TimeSpan.FromMilliseconds(_slaMs[s]), _stalled[s]))
            .ToArray();
        return new JourneySnapshot(watermarkMs, transitions, _salesCycle.Snapshot(), stalled, _table.Count, _evictions, _expirations, _table.CapacityBytes);
    }

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-(value + 1)) / divisor) - 1;

    private sealed class CohortCell
    {
        public long Entered;
        public long Converted;
    }
}
