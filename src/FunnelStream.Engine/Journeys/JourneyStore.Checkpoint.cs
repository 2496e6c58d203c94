using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Checkpoint support (the host's <c>journeys</c> section), so that a restored store continues exactly
/// as an uninterrupted one: same rows in the same order (eviction picks rows by position), the same
/// cohorts, histograms, counters and scan schedule, and the last published <see cref="Snapshot"/>
/// (what a scrape shows until the next full pass).
/// </summary>
/// <remarks>
/// <para>Format 1, little-endian (<see cref="CheckpointWriter"/>): the configuration fingerprint (stages,
/// dimensions, lead/won columns, sales-cycle tracker attached or not, conversion window, cohort size, allowed lateness,
/// histogram bounds); next scan, evictions, expirations, row capacity; the won events' breakdowns by value
/// (only when a tracker keeps windows: otherwise the slot is never read and is written as unknown); the
/// rows (journey hash, last activity, flags, the first second of each tracked stage, the breakdown's
/// index); per transition its cohorts (cohort, entered, converted); the histograms (bucket counts, sum);
/// the published snapshot. Journey hashes are <c>StableHash</c> values of the journey id, the same in
/// every process; no interner id is written.</para>
/// <para>Options not in the fingerprint (SLAs, closed stages, scan interval, maturity rule, cohort
/// retention) may change across a restore and take effect at the next full pass. <see cref="JourneyOptions.MaxJourneys"/>
/// may change as long as the checkpointed journeys fit under it.</para>
/// </remarks>
public sealed partial class JourneyStore : ICheckpointable
{
    /// <inheritdoc />
    public int CheckpointVersion => 1;

    private int DataColumns => _wonSlotColumn >= 0 ? _wonSlotColumn : _table.Stride;

    private bool IsFresh =>
        _table.Count == 0 && _nextScanMs == long.MinValue && _evictions == 0 && _expirations == 0 && _salesCycle.Count == 0
        && Array.TrueForAll(_cohorts, c => c.Count == 0) && Array.TrueForAll(_timeToConvert, h => h.Count == 0);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The sales-cycle tracker keeps windows and its slots have not been named.</exception>
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new CheckpointWriter(output);
        JourneyCheckpointFingerprint.Write(w, Fingerprint());
        w.WriteInt64(_nextScanMs);
        w.WriteInt64(_evictions);
        w.WriteInt64(_expirations);
        w.WriteInt32(_table.RowCapacity);

        int count = _table.Count;
        var tuples = new List<string[]>();
        int[] tupleOfRow = _wonSlotColumn >= 0 ? WonBreakdowns(tuples) : [];
        CheckpointTuples.Write(w, tuples);
        int columns = DataColumns;
        w.WriteInt32(count);
        for (int row = 0; row < count; row++)
        {
            w.WriteUInt64(_table.KeyAt(row));
            w.WriteInt32(unchecked((int)_table.Last(row)));
            w.WriteInt32(unchecked((int)_table.Bits(row)));
            Span<uint> times = _table.Times(row);
            for (int c = 0; c < columns; c++)
                w.WriteInt32(unchecked((int)times[c]));
            if (_wonSlotColumn >= 0)
                w.WriteInt32(tupleOfRow[row]);
        }

        foreach (Dictionary<long, CohortCell> cells in _cohorts)
        {
            w.WriteInt32(cells.Count);
            foreach ((long cohort, CohortCell cell) in cells)
            {
                w.WriteInt64(cohort);
                w.WriteInt64(cell.Entered);
                w.WriteInt64(cell.Converted);
            }
        }
        foreach (DurationHistogram h in _timeToConvert)
            h.WriteCheckpoint(w);
        _salesCycle.WriteCheckpoint(w);
        WriteSnapshot(w, _snapshot);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">This store has already seen events or a watermark.</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (!IsFresh)
            throw new InvalidOperationException("a journeys checkpoint can only be restored into a freshly built JourneyStore, before any event");
        if (version != CheckpointVersion)
        {
            throw new InvalidDataException(
                $"journeys checkpoint format {version} is not supported (this build reads {CheckpointVersion}): run the version that wrote it, or start from fresh state (see docs/reliability.md)");
        }
        // Everything is read and checked before anything is applied, so a bad checkpoint leaves the store fresh.
        var r = new CheckpointReader(data);
        JourneyCheckpointFingerprint.Check(ref r, "journeys", Fingerprint());
        long nextScanMs = r.ReadInt64();
        long evictions = r.ReadInt64();
        long expirations = r.ReadInt64();
        int capacity = r.ReadInt32();
        if (evictions < 0 || expirations < 0 || capacity < 0)
            throw new InvalidDataException("checkpoint is corrupt: negative journey counters");
        string[][] tuples = CheckpointTuples.Read(ref r);
        if (tuples.Length > 0 && _wonSlotColumn < 0)
            throw new InvalidDataException("checkpoint is corrupt: breakdowns for a store without a sales-cycle tracker");
        if (Array.Exists(tuples, values => values.Length != Funnel.Dimensions.Count))
            throw new InvalidDataException($"checkpoint is corrupt: a breakdown without one value per dimension ({Funnel.Dimensions.Count})");

        int columns = DataColumns;
        int rowBytes = 16 + 4 * columns + (_wonSlotColumn >= 0 ? 4 : 0);
        int count = r.ReadCount(rowBytes);
        if (count > _maxJourneys)
        {
            throw new InvalidDataException(
                $"the checkpoint holds {count} journeys, more than FunnelStream:Journeys:MaxJourneys ({_maxJourneys}) allows now: raise it to at least {count}, or start from fresh state (see docs/reliability.md)");
        }
        var keys = new ulong[count];
        var last = new uint[count];
        var bits = new uint[count];
        var times = new uint[count * columns];
        var tupleOfRow = new int[count];
        var seen = new HashSet<ulong>(count);
        for (int row = 0; row < count; row++)
        {
            keys[row] = r.ReadUInt64();
            last[row] = unchecked((uint)r.ReadInt32());
            bits[row] = unchecked((uint)r.ReadInt32());
            for (int c = 0; c < columns; c++)
                times[row * columns + c] = unchecked((uint)r.ReadInt32());
            tupleOfRow[row] = _wonSlotColumn >= 0 ? r.ReadInt32() : -1;
            if (keys[row] == 0 || !seen.Add(keys[row]) || tupleOfRow[row] < -1 || tupleOfRow[row] >= tuples.Length)
                throw new InvalidDataException($"checkpoint is corrupt: journey row {row} has a zero or repeated hash, or an unknown breakdown");
        }

        var cohorts = new Dictionary<long, (long Entered, long Converted)>[_pairs];
        for (int p = 0; p < _pairs; p++)
        {
            int cells = r.ReadCount(24);
            cohorts[p] = new Dictionary<long, (long, long)>(cells);
            for (int i = 0; i < cells; i++)
            {
                if (!cohorts[p].TryAdd(r.ReadInt64(), (r.ReadInt64(), r.ReadInt64())))
                    throw new InvalidDataException($"checkpoint is corrupt: transition {p} lists a cohort twice");
            }
        }
        var timeToConvert = new (long[] Counts, long Sum)[_pairs];
        for (int p = 0; p < _pairs; p++)
            timeToConvert[p] = _timeToConvert[p].ReadCheckpoint(ref r);
        (long[] Counts, long Sum) salesCycle = _salesCycle.ReadCheckpoint(ref r);
        JourneySnapshot snapshot = ReadSnapshot(ref r);
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the journey state");

        _nextScanMs = nextScanMs;
        _evictions = evictions;
        _expirations = expirations;
        _table.Reserve(capacity);
        int[] slotOfTuple = tuples.Select(values => _salesCycles!.RestoredSlot(values)).ToArray();
        for (int row = 0; row < count; row++)
        {
            int added = _table.Add(keys[row]);
            _table.Last(added) = last[row];
            _table.Bits(added) = bits[row];
            Span<uint> rowTimes = _table.Times(added);
            times.AsSpan(row * columns, columns).CopyTo(rowTimes);
            if (_wonSlotColumn >= 0)
                rowTimes[_wonSlotColumn] = tupleOfRow[row] < 0 ? 0u : unchecked((uint)(slotOfTuple[tupleOfRow[row]] + 1));
        }
        for (int p = 0; p < _pairs; p++)
        {
            foreach ((long cohort, (long entered, long converted)) in cohorts[p])
                _cohorts[p].Add(cohort, new CohortCell { Entered = entered, Converted = converted });
        }
        for (int p = 0; p < _pairs; p++)
            _timeToConvert[p].Restore(timeToConvert[p]);
        _salesCycle.Restore(salesCycle);
        Volatile.Write(ref _snapshot, snapshot);
    }

    /// <summary>Per row, the index in <paramref name="tuples"/> of its won event's breakdown (−1 unknown, or never read).</summary>
    private int[] WonBreakdowns(List<string[]> tuples)
    {
        var tupleOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        var tupleOfSlot = new Dictionary<int, int>();
        var tupleOfRow = new int[_table.Count];
        for (int row = 0; row < tupleOfRow.Length; row++)
        {
            int slot = (int)_table.Times(row)[_wonSlotColumn] - 1;
            if (!tupleOfSlot.TryGetValue(slot, out int index))
            {
                index = -1;
                if (_salesCycles!.SlotValues(slot) is string[] values)
                {
                    string name = string.Join('\u001f', values);
                    if (!tupleOfName.TryGetValue(name, out index))
                    {
                        index = tuples.Count;
                        tuples.Add(values);
                        tupleOfName.Add(name, index);
                    }
                }
                tupleOfSlot.Add(slot, index);
            }
            tupleOfRow[row] = index;
        }
        return tupleOfRow;
    }

    private static void WriteSnapshot(CheckpointWriter w, JourneySnapshot s)
    {
        w.WriteInt64(s.WatermarkMs);
        foreach (TransitionSnapshot t in s.Transitions)
        {
            w.WriteInt32(t.Cohorts.Count);
            foreach (CohortSnapshot c in t.Cohorts)
            {
                w.WriteInt64(c.StartMs);
                w.WriteInt64(c.EndMs);
                w.WriteInt64(c.Entered);
                w.WriteInt64(c.Converted);
                w.WriteBoolean(c.Mature);
            }
            WriteHistogram(w, t.TimeToConvert);
        }
        WriteHistogram(w, s.SalesCycle);
        w.WriteInt32(s.Stalled.Count);
        foreach (StalledStage stalled in s.Stalled)
        {
            w.WriteInt32(stalled.Stage);
            w.WriteInt64(stalled.Sla.Ticks);
            w.WriteInt64(stalled.Count);
        }
        w.WriteInt64(s.TrackedJourneys);
        w.WriteInt64(s.Evictions);
        w.WriteInt64(s.Expirations);
        w.WriteInt64(s.EstimatedBytes);
    }

    private static void WriteHistogram(CheckpointWriter w, HistogramSnapshot h)
    {
        foreach (long c in h.CumulativeCounts)
            w.WriteInt64(c);
        w.WriteInt64(h.SumSeconds);
    }

    private JourneySnapshot ReadSnapshot(ref CheckpointReader r)
    {
        long watermarkMs = r.ReadInt64();
        var transitions = new TransitionSnapshot[_pairs];
        for (int p = 0; p < _pairs; p++)
        {
            var cohorts = new CohortSnapshot[r.ReadCount(36)];
            for (int i = 0; i < cohorts.Length; i++)
                cohorts[i] = new CohortSnapshot(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadBoolean());
            transitions[p] = new TransitionSnapshot(p, p + 1, cohorts, ReadHistogram(ref r, _timeToConvert[p]));
        }
        HistogramSnapshot salesCycle = ReadHistogram(ref r, _salesCycle);
        var stalled = new StalledStage[r.ReadCount(20)];
        for (int i = 0; i < stalled.Length; i++)
        {
            stalled[i] = new StalledStage(r.ReadInt32(), TimeSpan.FromTicks(r.ReadInt64()), r.ReadInt64());
            if ((uint)stalled[i].Stage >= (uint)_ordered)
                throw new InvalidDataException($"checkpoint is corrupt: stalled journeys of stage {stalled[i].Stage}, which is not an ordered stage");
        }
        return new JourneySnapshot(watermarkMs, transitions, salesCycle, stalled, r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
    }

    private static HistogramSnapshot ReadHistogram(ref CheckpointReader r, DurationHistogram shape)
    {
        (long[] cumulative, long sum) = shape.ReadCheckpoint(ref r);
        return shape.SnapshotOf(cumulative, sum);
    }

    private KeyValuePair<string, string>[] Fingerprint() =>
    [
        new("funnel stages", $"{string.Join(",", Funnel.Stages)} ({_ordered} ordered)"),
        new("funnel dimensions", string.Join(",", Funnel.Dimensions)), // the won events' breakdowns are written by value, one per dimension
        new("FunnelStream:Journeys:LeadStage", _leadColumn >= 0 ? $"{_options.LeadStage} (column {_leadColumn})" : $"{_options.LeadStage} (not in the funnel)"),
        new("FunnelStream:Journeys:WonStage", _wonColumn >= 0 ? $"{_options.WonStage} (column {_wonColumn})" : $"{_options.WonStage} (not in the funnel)"),
        new("sales-cycle tracker", _wonSlotColumn >= 0 ? "attached" : "none"),
        new("FunnelStream:Journeys:ConversionWindow", JourneyCheckpointFingerprint.Duration(_options.ConversionWindow)),
        new("FunnelStream:Journeys:CohortSize", JourneyCheckpointFingerprint.Duration(_options.CohortSize)),
        new("FunnelStream:Windows:AllowedLateness", JourneyCheckpointFingerprint.Duration(_options.AllowedLateness)),
        new("FunnelStream:Journeys:TimeToConvertBucketsSeconds", JourneyCheckpointFingerprint.Seconds(_options.TimeToConvertBucketsSeconds)),
        new("FunnelStream:Journeys:SalesCycleBucketsSeconds", JourneyCheckpointFingerprint.Seconds(_options.SalesCycleBucketsSeconds)),
    ];
}
