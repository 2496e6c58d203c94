using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Checkpoint support. Breakdown slots are the engine's and not stable across processes, so they are
/// written by value (the dimension values of the slot). A restored breakdown gets a slot id of its own
/// (−2, −3, ...: below −1, "unknown"), which the journey store's restored rows use too; a breakdown
/// query adds its sums to those of the engine slot with the same values, so windows continue whole
/// whichever slot numbers the new process gives.
/// </summary>
internal sealed partial class WindowedSalesCycles
{
    private const char Separator = '\u001f';
    private readonly Dictionary<string, int> _restoredSlotByName = new(StringComparer.Ordinal);
    private readonly List<string[]> _restoredSlots = [];

    /// <summary>No cycle added and no watermark seen (restored breakdowns registered by the journey store do not count).</summary>
    public bool IsFresh => _sums.Count == 0 && _pruneBeforeMs == long.MinValue;

    /// <summary>The window sizes, ascending, for the configuration fingerprint.</summary>
    public string SizesText => _sizesMs.Length == 0
        ? "none"
        : string.Join(",", _sizesMs.Order().Select(ms => JourneyCheckpointFingerprint.Duration(TimeSpan.FromMilliseconds(ms))));

    public TimeSpan Lateness => TimeSpan.FromMilliseconds(_latenessMs);

    /// <summary>The slot id standing for the restored breakdown <paramref name="values"/>, registered if new.</summary>
    public int RestoredSlot(string[] values)
    {
        string name = string.Join(Separator, values);
        if (!_restoredSlotByName.TryGetValue(name, out int slot))
        {
            slot = -2 - _restoredSlots.Count;
            _restoredSlots.Add(values);
            _restoredSlotByName.Add(name, slot);
        }
        return slot;
    }

    /// <summary>
    /// The dimension values of <paramref name="slot"/>, for a checkpoint; <c>null</c> for −1 (unknown) and
    /// when no window size is kept (slots are then never read, so there is nothing to name).
    /// </summary>
    /// <exception cref="InvalidOperationException">Windows are kept but <see cref="UseSlotNames"/> was not called.</exception>
    public string[]? SlotValues(int slot)
    {
        if (slot == -1 || _sizesMs.Length == 0)
            return null;
        if (slot <= -2)
            return _restoredSlots[-2 - slot];
        FunnelEngine engine = _engine ?? throw new InvalidOperationException(
            "a sales-cycle checkpoint writes breakdowns by value: call SalesCycleTracker.UseSlotNames with the engine before checkpointing");
        return Enumerable.Range(0, engine.Funnel.Dimensions.Count).Select(d => engine.DimensionValue(slot, d)).ToArray();
    }

    private void AddRestored(long startMs, long size, IReadOnlyList<string> breakdown, ref long seconds, ref long count)
    {
        if (_restoredSlots.Count != 0
            && _restoredSlotByName.TryGetValue(string.Join(Separator, breakdown), out int slot)
            && _sums.TryGetValue(new Key(startMs, size, slot), out Sums found))
        {
            seconds += found.Seconds;
            count += found.Count;
        }
    }

    /// <summary>Pruning state, the breakdowns by value, then per (window, breakdown) the sum and count.</summary>
    public void WriteCheckpoint(CheckpointWriter w)
    {
        w.WriteInt64(_pruneBeforeMs);
        w.WriteInt64(_earliestEndMs);
        var tuples = new List<string[]>();
        var tupleOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        var tupleOfSlot = new Dictionary<int, int>();
        foreach (Key key in _sums.Keys)
        {
            if (key.Slot == -1 || tupleOfSlot.ContainsKey(key.Slot))
                continue;
            string[] values = SlotValues(key.Slot)!;
            string name = string.Join(Separator, values);
            if (!tupleOfName.TryGetValue(name, out int index))
            {
                index = tuples.Count;
                tuples.Add(values);
                tupleOfName.Add(name, index);
            }
            tupleOfSlot.Add(key.Slot, index);
        }
        CheckpointTuples.Write(w, tuples);
        w.WriteInt32(_sums.Count);
        foreach ((Key key, Sums sums) in _sums)
        {
            w.WriteInt64(key.Start);
            w.WriteInt64(key.Size);
            w.WriteInt32(key.Slot == -1 ? -1 : tupleOfSlot[key.Slot]);
            w.WriteInt64(sums.Seconds);
            w.WriteInt64(sums.Count);
        }
    }

    /// <summary>Reads what <see cref="WriteCheckpoint"/> wrote, without applying it.</summary>
    public State ReadCheckpoint(ref CheckpointReader r)
    {
        long pruneBefore = r.ReadInt64();
        long earliestEnd = r.ReadInt64();
        string[][] tuples = CheckpointTuples.Read(ref r);
        var sums = new (long Start, long Size, int Tuple, long Seconds, long Count)[r.ReadCount(36)];
        for (int i = 0; i < sums.Length; i++)
        {
            sums[i] = (r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64(), r.ReadInt64());
            if (Array.IndexOf(_sizesMs, sums[i].Size) < 0 || sums[i].Tuple < -1 || sums[i].Tuple >= tuples.Length)
                throw new InvalidDataException($"checkpoint is corrupt: sales-cycle window ({sums[i].Start}, {sums[i].Size} ms, breakdown {sums[i].Tuple}) does not fit the configuration");
        }
        return new State(pruneBefore, earliestEnd, tuples, sums);
    }

    public void Restore(State state)
    {
        _pruneBeforeMs = state.PruneBeforeMs;
        _earliestEndMs = state.EarliestEndMs;
        int[] slotOfTuple = state.Tuples.Select(RestoredSlot).ToArray();
        foreach ((long start, long size, int tuple, long seconds, long count) in state.Sums)
        {
            // Two slots with the same values (an engine slot and a restored one) were written apart: merge them.
            var key = new Key(start, size, tuple < 0 ? -1 : slotOfTuple[tuple]);
            _sums.TryGetValue(key, out Sums sums);
            sums.Seconds += seconds;
            sums.Count += count;
            _sums[key] = sums;
        }
    }

    internal sealed record State(long PruneBeforeMs, long EarliestEndMs, string[][] Tuples, (long Start, long Size, int Tuple, long Seconds, long Count)[] Sums);
}
