using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;
using FunnelStream.Events;

namespace FunnelStream.Engine;

// Checkpointing (issue 6, docs/reliability.md): the engine's own state, so that a restored engine
// counts on exactly as the uninterrupted one would. The journey store, sales-cycle tracker and
// leakage detector it feeds are checkpointed as their own sections, and so is the dedup set (format 2
// on; see FunnelEngine.Dedup.cs), so that another instance can read it alone.
public sealed partial class FunnelEngine : ICheckpointable
{
    private bool _restored;
    // Events seen when the engine section was restored (counted + duplicates + late): the dedup
    // section may only be restored while no event has been processed since.
    private long _eventsAtRestore;

    /// <inheritdoc/>
    /// <remarks>
    /// Format 2 (written now) is format 1 without the dedup set, which is the section
    /// <see cref="DedupState"/>. Format 1 (written before) is still read, dedup set included.
    /// </remarks>
    public int CheckpointVersion => 2;

    /// <inheritdoc/>
    /// <remarks>
    /// Engine thread, between batches. Format 1, little-endian (<see cref="CheckpointWriter"/>):
    /// <list type="number">
    /// <item>the layout it depends on: stage names, dimension names, window sizes (ms, ascending),
    /// allowed lateness (ms);</item>
    /// <item>counters: counted, duplicates, closed windows, restated, newest event time, lateness
    /// threshold (watermark − allowed lateness), watermark, processing time, processing time of the
    /// last counted event, flushed-through time (idle flushes), late per stage;</item>
    /// <item>the breakdown slots, by dimension VALUE (interner ids are not stable across processes),
    /// then each slot's cumulative counters;</item>
    /// <item>per window size, the open windows oldest first: start, whether it changed since it was
    /// last handed to an <see cref="IProvisionalWindowSink"/>, every slot's counters;</item>
    /// <item>the rolling minutes (minute, counts, amounts, spend);</item>
    /// <item>with spend restatements on, every remembered spend figure: campaign and channel by value,
    /// UTC day, latest cost, time and slot of the first report.</item>
    /// </list>
    /// Format 1 went on with the dedup set (evictions, table capacity, every id hash with its minute);
    /// format 2 stops here, the dedup set being the section <see cref="DedupState"/>.
    /// Only the watermark itself is written, not the high mark of each source: source numbers are
    /// this process's partition indexes, meaningless to the next one.
    /// </remarks>
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new CheckpointWriter(output);
        WriteLayout(w);
        w.WriteInt64(_counted);
        w.WriteInt64(_duplicates);
        w.WriteInt64(_closedWindows);
        w.WriteInt64(_restated);
        w.WriteInt64(_newestMs);
        w.WriteInt64(_lateBeforeMs);
        w.WriteInt64(_watermark.Current);
        w.WriteInt64(_processingMs);
        w.WriteInt64(_lastCountedAtMs);
        w.WriteInt64(FlushedThroughMs);
        foreach (long late in _late)
            w.WriteInt64(late);

        int slots = _slots.Count;
        int dims = Funnel.Dimensions.Count;
        int stride = _cumulative.Layout.Stride;
        w.WriteInt32(slots);
        for (int slot = 0; slot < slots; slot++)
        {
            for (int d = 0; d < dims; d++)
                w.WriteString(DimensionValue(slot, d));
        }
        WriteSlots(w, _cumulative.Snapshot, slots, stride);
        foreach (TumblingWindows size in _windows)
        {
            w.WriteInt32(size.OpenCount);
            foreach (WindowAccumulator window in size.OpenWindows)
            {
                w.WriteInt64(window.StartMs);
                w.WriteBoolean(window.Dirty);
                WriteSlots(w, window.Data, slots, stride);
            }
        }
        _rolling.WriteTo(w);

        w.WriteBoolean(_spendFigures is not null);
        if (_spendFigures is not null)
        {
            w.WriteInt32(_spendFigures.Count);
            foreach ((SpendKey key, SpendFigure figure) in _spendFigures.Entries)
            {
                w.WriteString(_interners[_campaignDim].NameOf(key.Campaign));
                w.WriteString(_interners[_channelDim].NameOf(key.Channel));
                w.WriteInt64(key.Day);
                w.WriteInt64(figure.CostMicros);
                w.WriteInt64(figure.FirstTimestampMs);
                w.WriteInt32(figure.Slot);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// Only into a new engine that has seen no event (else <see cref="InvalidOperationException"/>),
    /// on the thread that interns (before consumption starts): dimension values are interned with this
    /// engine's interners, so a value past a dimension's budget folds into <c>other</c> as usual and the
    /// slots that now share a breakdown are added together. Without folding, slot numbers are kept.
    /// </para>
    /// <para>
    /// The watermark is restored as one number. Register the sources (<see cref="AddSource"/>) after
    /// restoring: each holds the watermark at the restored value until it delivers past it (or goes idle),
    /// and the watermark never moves back. With a single source this continues exactly as the
    /// uninterrupted engine; with several, the watermark may advance later than it would have (each
    /// source's high mark restarts from what it delivers after the checkpoint), so windows may close
    /// later and an event the uninterrupted engine would have judged late may be counted.
    /// </para>
    /// <para>
    /// Format 2 holds no dedup set: restore the section <see cref="DedupState"/> as well (after this one,
    /// as the host writes them; before works too), or the engine starts with an empty dedup set. Format 1
    /// (written by earlier versions) restores its dedup set too, like <see cref="DedupState"/> would;
    /// restoring a <see cref="DedupState"/> section on top of it is refused.
    /// </para>
    /// <para>
    /// Written for other stages, dimensions, window sizes or allowed lateness: <see cref="InvalidDataException"/>
    /// naming both. The dedup horizon and cap, the idle timeout and the rolling windows are this engine's
    /// own and apply from now on. Spend figures of a checkpoint written with restatements on are dropped
    /// when they are off now; with restatements newly on, only reports from now on are remembered.
    /// On any exception the engine is left partly restored: discard it (the host fails start-up).
    /// </para>
    /// </remarks>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (version != 1 && version != CheckpointVersion)
            throw new InvalidDataException($"engine checkpoint format {version} is not supported by this version (it reads formats 1 and {CheckpointVersion}); start from fresh state (see docs/reliability.md)");
        // Ids restored from a dedup section (restored first) are the one state a new engine may have.
        if (_restored || EventsSeen() != 0 || _slots.Count != 0 || _watermark.Current != long.MinValue || (_dedup.Count != 0 && !_dedupSectionRestored))
            throw new InvalidOperationException("a checkpoint can only be restored into a new engine that has seen no event");
        if (version == 1 && _dedupSectionRestored)
            throw new InvalidDataException(DedupTwice);
        _restored = true;
        var r = new CheckpointReader(data);
        CheckLayout(ref r);

        long counted = r.ReadInt64(), duplicates = r.ReadInt64(), closedWindows = r.ReadInt64(), restated = r.ReadInt64();
        long newestMs = r.ReadInt64(), lateBeforeMs = r.ReadInt64(), watermark = r.ReadInt64();
        long processingMs = r.ReadInt64(), lastCountedAtMs = r.ReadInt64(), flushedThroughMs = r.ReadInt64();
        if (counted < 0 || duplicates < 0 || closedWindows < 0 || restated < 0 || restated > counted)
            throw new InvalidDataException($"engine totals are not valid (counted {counted}, duplicates {duplicates}, closed windows {closedWindows}, restated {restated})");
        if (lateBeforeMs != (watermark == long.MinValue ? long.MinValue : watermark - _latenessMs))
            throw new InvalidDataException($"lateness threshold {lateBeforeMs} does not follow from watermark {watermark}");
        _counted = counted;
        _duplicates = duplicates;
        _closedWindows = closedWindows;
        _restated = restated;
        _newestMs = newestMs;
        _lateBeforeMs = lateBeforeMs;
        for (int s = 0; s < _late.Length; s++)
        {
            _late[s] = r.ReadInt64();
            if (_late[s] < 0)
                throw new InvalidDataException($"late count {_late[s]} of stage {Funnel.Stages[s]} is negative");
        }

        int dims = Funnel.Dimensions.Count;
        int stride = _cumulative.Layout.Stride;
        int slots = r.ReadCount(Math.Max(1, dims * 4) + stride * 8);
        int[] remap = new int[slots];
        var ids = new DimensionIds();
        for (int slot = 0; slot < slots; slot++)
        {
            for (int d = 0; d < dims; d++)
                ids[d] = _interners[d].Intern(r.ReadString().AsSpan());
            remap[slot] = _slots.SlotOf(ids);
        }
        long[] values = new long[stride];
        for (int slot = 0; slot < slots; slot++)
        {
            ReadSlot(ref r, values);
            _cumulative.AddSlot(remap[slot], values);
        }
        foreach (TumblingWindows size in _windows)
        {
            int open = r.ReadCount(12 + slots * stride * 8);
            long previousStart = long.MinValue;
            for (int i = 0; i < open; i++)
            {
                long start = r.ReadInt64();
                bool dirty = r.ReadBoolean();
                if (TumblingWindows.StartOf(start, size.SizeMs) != start || (i > 0 && start <= previousStart))
                    throw new InvalidDataException($"open window start {start} is not aligned to {size.SizeMs} ms or not after {previousStart}");
                previousStart = start;
                WindowAccumulator window = size.For(start);
                for (int slot = 0; slot < slots; slot++)
                {
                    ReadSlot(ref r, values);
                    window.AddSlot(remap[slot], values);
                }
                window.Dirty = dirty;
            }
        }
        _rolling.ReadFrom(ref r);

        if (r.ReadBoolean())
        {
            int figures = r.ReadCount(36);
            for (int i = 0; i < figures; i++)
            {
                string campaign = r.ReadString(), channel = r.ReadString();
                long day = r.ReadInt64(), cost = r.ReadInt64(), firstTs = r.ReadInt64();
                int slot = r.ReadInt32();
                if ((uint)slot >= (uint)slots)
                    throw new InvalidDataException($"spend figure slot {slot} is not one of the {slots} slots");
                if (_spendFigures is null)
                    continue; // restatements are off now: every report adds
                var key = new SpendKey(_interners[_campaignDim].Intern(campaign.AsSpan()), _interners[_channelDim].Intern(channel.AsSpan()), day);
                ref SpendFigure figure = ref _spendFigures.GetOrAdd(key, out bool existed);
                if (existed)
                {
                    // Two keys that fold into one now (a smaller dimension budget): one figure for both,
                    // so a later report replaces their sum, in the windows of the earlier first report.
                    figure.CostMicros += cost;
                    if (firstTs < figure.FirstTimestampMs)
                        (figure.FirstTimestampMs, figure.Slot) = (firstTs, remap[slot]);
                    continue;
                }
                figure.CostMicros = cost;
                figure.FirstTimestampMs = firstTs;
                figure.Slot = remap[slot];
            }
        }
        if (version == 1)
        {
            _dedup.ReadFrom(ref r);
            _dedupFromEngineSection = true;
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"{r.Remaining} unexpected bytes after the engine state");

        // Derived state: recomputed rather than written.
        _watermark.Restore(watermark);
        Volatile.Write(ref _watermarkSnapshot, watermark);
        _processingMs = processingMs;
        _lastCountedAtMs = lastCountedAtMs;
        FlushedThroughMs = flushedThroughMs;
        if (processingMs != long.MinValue)
            _watermark.SetProcessingTime(processingMs); // no source is registered yet: moves nothing
        if (watermark != long.MinValue)
        {
            _dedup.Expire(watermark);
            _spendFigures?.Expire(lateBeforeMs);
        }
        _nextCloseAt = long.MaxValue;
        foreach (TumblingWindows size in _windows)
            _nextCloseAt = Math.Min(_nextCloseAt, size.EarliestEnd);
        _eventsAtRestore = EventsSeen();
    }

    /// <summary>Every event processed so far adds one to exactly one of these.</summary>
    private long EventsSeen()
    {
        long seen = _counted + _duplicates;
        foreach (long late in _late)
            seen += late;
        return seen;
    }

    /// <summary>
    /// Reads an engine section of format 1 (another engine's: its own layout, not this one's) up to
    /// its dedup set, which fills the rest; everything before it is self-describing given its stage
    /// and dimension counts. <see cref="InvalidDataException"/> when it does not parse.
    /// </summary>
    private static void SkipToDedupOfFormat1(ref CheckpointReader r)
    {
        int stages = r.ReadCount(4);
        if (stages < 1 || stages > FunnelDefinition.MaxStages)
            throw new InvalidDataException($"engine section format 1 with {stages} stages is not valid");
        for (int i = 0; i < stages; i++)
            r.ReadString();
        int dims = r.ReadCount(4);
        for (int i = 0; i < dims; i++)
            r.ReadString();
        int sizes = r.ReadCount(8);
        for (int i = 0; i < sizes; i++)
            r.ReadInt64();
        r.ReadInt64(); // allowed lateness
        for (int i = 0; i < 10 + stages; i++)
            r.ReadInt64(); // totals, times, late per stage
        int stride = 2 * stages + 1;
        int slots = r.ReadCount(Math.Max(1, dims * 4) + stride * 8);
        for (int i = 0; i < slots * dims; i++)
            r.ReadString();
        SkipInt64s(ref r, (long)slots * stride);
        for (int s = 0; s < sizes; s++)
        {
            int open = r.ReadCount((int)Math.Min(int.MaxValue, 12 + (long)slots * stride * 8));
            for (int i = 0; i < open; i++)
            {
                r.ReadInt64();
                r.ReadBoolean();
                SkipInt64s(ref r, (long)slots * stride);
            }
        }
        int minutes = r.ReadCount(8 * (2 + 2 * stages));
        SkipInt64s(ref r, (long)minutes * (2 + 2 * stages));
        if (r.ReadBoolean())
        {
            int figures = r.ReadCount(36);
            for (int i = 0; i < figures; i++)
            {
                r.ReadString();
                r.ReadString();
                r.ReadInt64();
                r.ReadInt64();
                r.ReadInt64();
                r.ReadInt32();
            }
        }
    }

    private static void SkipInt64s(ref CheckpointReader r, long n)
    {
        if (n * 8 > r.Remaining)
            throw new InvalidDataException($"checkpoint is truncated: needed {n * 8} more bytes, {r.Remaining} left");
        for (long i = 0; i < n; i++)
            r.ReadInt64();
    }

    private void WriteLayout(CheckpointWriter w)
    {
        w.WriteInt32(Funnel.Stages.Count);
        foreach (string stage in Funnel.Stages)
            w.WriteString(stage);
        w.WriteInt32(Funnel.Dimensions.Count);
        foreach (string dimension in Funnel.Dimensions)
            w.WriteString(dimension);
        w.WriteInt32(_windows.Length);
        foreach (TumblingWindows size in _windows)
            w.WriteInt64(size.SizeMs);
        w.WriteInt64(_latenessMs);
    }

    private void CheckLayout(ref CheckpointReader r)
    {
        var stages = new string[r.ReadCount(4)];
        for (int i = 0; i < stages.Length; i++)
            stages[i] = r.ReadString();
        var dimensions = new string[r.ReadCount(4)];
        for (int i = 0; i < dimensions.Length; i++)
            dimensions[i] = r.ReadString();
        var sizes = new long[r.ReadCount(8)];
        for (int i = 0; i < sizes.Length; i++)
            sizes[i] = r.ReadInt64();
        long lateness = r.ReadInt64();

        var differences = new List<string>();
        if (!stages.SequenceEqual(Funnel.Stages))
            differences.Add($"stages [{string.Join(", ", stages)}], configured now [{string.Join(", ", Funnel.Stages)}]");
        if (!dimensions.SequenceEqual(Funnel.Dimensions))
            differences.Add($"dimensions [{string.Join(", ", dimensions)}], configured now [{string.Join(", ", Funnel.Dimensions)}]");
        if (!sizes.SequenceEqual(_windows.Select(x => x.SizeMs)))
            differences.Add($"window sizes [{string.Join(", ", sizes.Select(Describe))}], configured now [{string.Join(", ", _windows.Select(x => Describe(x.SizeMs)))}]");
        // Lateness is part of the layout: with a longer one the threshold would move back behind windows
        // already closed, and events for them would open those windows again and publish them twice.
        if (lateness != _latenessMs)
            differences.Add($"allowed lateness {Describe(lateness)}, configured now {Describe(_latenessMs)}");
        if (differences.Count > 0)
        {
            throw new InvalidDataException(
                $"the engine checkpoint was written for {string.Join("; ", differences)}. "
                + "Restore the old configuration, or start from fresh state (a new consumer group, or delete the checkpoints; see docs/reliability.md)");
        }
    }

    private static string Describe(long ms) => TimeSpan.FromMilliseconds(ms).ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    private static void WriteSlots(CheckpointWriter w, long[] data, int slots, int stride)
    {
        for (int i = 0; i < slots * stride; i++)
            w.WriteInt64(i < data.Length ? data[i] : 0);
    }

    private static void ReadSlot(ref CheckpointReader r, long[] values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = r.ReadInt64();
    }
}
