using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Leakage;

/// <summary>
/// Checkpoints of the detector (issue 6; section <c>leakage</c>, docs/reliability.md): everything it
/// remembers, so that a restored detector fed the same closed windows emits the same alerts,
/// gauges and counters as one that never stopped.
/// </summary>
/// <remarks>
/// <para>Format 1, little-endian (<see cref="CheckpointWriter"/>): the layout fingerprint (pairs of
/// name and value: stages, dimensions, transitions with their evidence and baseline kind, evaluation
/// interval, rolling window, source window, ring length); the counters (opened, resolved, judgements);
/// the current bucket and whether it was judged; the breakdown scopes in index order (dimension
/// index and value, BY VALUE: interner ids differ between processes); per scope (the total first) and
/// transition the <see cref="LeakState"/> (EWMA sums, history, last judgement, the open alert with its
/// attribution); the count ring (<see cref="CountRateSource.Write"/>); the gauges of the latest
/// evaluation (transition, scope index, values).</para>
/// <para>Journey evidence is read from the engine's journey store, which the engine checkpoints:
/// the detector keeps no journey state of its own.</para>
/// <para>A restored breakdown scope knows its value but not yet the new process's interner id for it:
/// the first closed window holding the value binds the two (by name), so the scope keeps its index,
/// counts and alert. A value never seen again keeps its scope (and its place in the cardinality budget),
/// as it would have without the restart.</para>
/// </remarks>
public sealed partial class LeakageDetector : ICheckpointable
{
    private const int FormatVersion = 1;

    // Restored breakdown scopes not yet bound to an interner id of this process: (dimension, value) -> scope index.
    private Dictionary<(int Dimension, string Value), int>? _resumable;

    /// <inheritdoc />
    public int CheckpointVersion => FormatVersion;

    /// <inheritdoc />
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        var w = new CheckpointWriter(output);
        (string Name, string Value)[] layout = Layout();
        w.WriteInt32(layout.Length);
        foreach ((string name, string value) in layout)
        {
            w.WriteString(name);
            w.WriteString(value);
        }
        w.WriteInt64(_opened);
        w.WriteInt64(_resolved);
        w.WriteInt64(_judgements);
        w.WriteInt64(_bucket);
        w.WriteBoolean(_bucketJudged);
        w.WriteInt32(_scopes.Count - 1);
        for (int s = 1; s < _scopes.Count; s++)
        {
            w.WriteInt32(_scopes[s].Dimension);
            w.WriteString(_scopes[s].Value!);
        }
        foreach (LeakState[] states in _states)
        {
            foreach (LeakState st in states)
                WriteState(w, st);
        }
        _counts.Write(w);
        LeakageGauge[] gauges = _gauges;
        w.WriteInt32(gauges.Length);
        foreach (LeakageGauge g in gauges)
        {
            w.WriteInt32(g.Transition);
            w.WriteInt32(g.Scope.Index);
            w.WriteBoolean(g.Active);
            w.WriteInt64(g.FromEvents);
            w.WriteDouble(g.Rate);
            w.WriteDouble(g.Lower);
            w.WriteDouble(g.Upper);
            w.WriteDouble(g.Baseline);
            w.WriteDouble(g.Threshold);
            w.WriteBoolean(g.SampleSufficient);
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The detector has already seen a closed window (or was restored).</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (_bucket != long.MinValue || _scopes.Count != 1 || _resumable is not null || _opened != 0 || _judgements != 0)
            throw new InvalidOperationException("a leakage checkpoint can only be restored into a fresh detector, before its engine closes a window");
        if (version != FormatVersion)
            throw new InvalidDataException($"leakage checkpoint format {version} is not supported (this version reads {FormatVersion}); start from fresh state (docs/reliability.md)");
        var r = new CheckpointReader(data);
        CheckLayout(ref r);
        long opened = r.ReadInt64(), resolved = r.ReadInt64(), judgements = r.ReadInt64();
        if (opened < 0 || resolved < 0 || resolved > opened || judgements < 0)
            throw new InvalidDataException($"checkpoint is corrupt: counters opened {opened}, resolved {resolved}, judgements {judgements}");
        long bucket = r.ReadInt64();
        bool bucketJudged = r.ReadBoolean();

        int dims = _scopeOfValue.Length;
        var scopes = new List<LeakageScope> { _scopes[0] };
        var resumable = new Dictionary<(int, string), int>();
        var valuesPerDimension = new int[dims];
        int breakdowns = r.ReadCount(8);
        for (int s = 1; s <= breakdowns; s++)
        {
            int d = r.ReadInt32();
            if (d < 0 || d >= dims)
                throw new InvalidDataException($"checkpoint is corrupt: scope {s} names dimension {d} of {dims}");
            string value = r.ReadString();
            if (!resumable.TryAdd((d, value), s))
                throw new InvalidDataException($"checkpoint is corrupt: scope {_engine.Funnel.Dimensions[d]}={value} appears twice");
            valuesPerDimension[d]++;
            scopes.Add(new LeakageScope(s, d, _engine.Funnel.Dimensions[d], value, -1));
        }

        var states = new List<LeakState[]>(scopes.Count);
        for (int s = 0; s < scopes.Count; s++)
        {
            var perTransition = new LeakState[_transitions.Length];
            for (int t = 0; t < perTransition.Length; t++)
                perTransition[t] = ReadState(ref r);
            states.Add(perTransition);
        }
        (long[] bucketOf, long[][] counts) = _counts.Read(ref r, scopes.Count);

        var gauges = new LeakageGauge[r.ReadCount(60)];
        for (int i = 0; i < gauges.Length; i++)
        {
            int t = r.ReadInt32(), s = r.ReadInt32();
            if (t < 0 || t >= _transitions.Length || s < 0 || s >= scopes.Count)
                throw new InvalidDataException($"checkpoint is corrupt: a gauge of transition {t} and scope {s}");
            gauges[i] = new LeakageGauge(t, scopes[s], r.ReadBoolean(), r.ReadInt64(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(),
                r.ReadDouble(), r.ReadDouble(), r.ReadBoolean());
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the leakage state");

        // Everything read and checked: only now does the detector change.
        Volatile.Write(ref _opened, opened);
        Volatile.Write(ref _resolved, resolved);
        Volatile.Write(ref _judgements, judgements);
        _bucket = bucket;
        _bucketJudged = bucketJudged;
        _scopes.Clear();
        _scopes.AddRange(scopes);
        _states.Clear();
        _states.AddRange(states);
        valuesPerDimension.CopyTo(_valuesPerDimension, 0);
        _counts.Restore(bucketOf, counts);
        _resumable = resumable.Count == 0 ? null : resumable;
        Volatile.Write(ref _gauges, gauges);
    }

    /// <summary>Binds a restored scope to this process's interner id of its value, the first time a closed window holds it.</summary>
    private bool TryResume(int dimension, int valueId, int slot, out int index)
    {
        if (!_resumable!.Remove((dimension, _engine.DimensionValue(slot, dimension)), out index))
            return false;
        if (_resumable.Count == 0)
            _resumable = null;
        int[] map = _scopeOfValue[dimension];
        if (valueId >= map.Length)
        {
            Array.Resize(ref _scopeOfValue[dimension], Math.Max(valueId + 1, map.Length * 2));
            map = _scopeOfValue[dimension];
        }
        map[valueId] = index;
        _scopes[index] = _scopes[index] with { ValueId = valueId };
        return true;
    }

    /// <summary>What the format depends on, as (name, value) pairs compared one by one on restore.</summary>
    private (string Name, string Value)[] Layout() =>
    [
        ("stages", string.Join(",", _engine.Funnel.Stages)),
        ("dimensions", string.Join(",", _engine.Funnel.Dimensions)),
        ("transitions", string.Join(",", _transitions.Select((t, i) => $"{t.Options.From}->{t.Options.To}:{RateSources[i]}:{t.Options.Baseline}"))),
        ("evaluation_interval_ms", _stepMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("rolling_window_ms", _windowMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("source_window_ms", _sourceWindowMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("ring_buckets", _counts.RingLength.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    private void CheckLayout(ref CheckpointReader r)
    {
        (string Name, string Value)[] now = Layout();
        int n = r.ReadCount(8);
        var written = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
            written[r.ReadString()] = r.ReadString();
        var differences = new List<string>();
        foreach ((string name, string value) in now)
        {
            string old = written.GetValueOrDefault(name, "(absent)");
            if (old != value)
                differences.Add($"{name}: checkpoint '{old}', configuration now '{value}'");
        }
        if (differences.Count > 0)
            throw new InvalidDataException(
                $"the leakage checkpoint was written for another funnel or leakage configuration ({string.Join("; ", differences)}); " +
                "restore the previous configuration (FunnelStream:Funnel, FunnelStream:Leakage, the engine window sizes), " +
                "or start from fresh state (docs/reliability.md)");
    }

    private static void WriteState(CheckpointWriter w, LeakState st)
    {
        w.WriteDouble(st.EwmaFrom);
        w.WriteDouble(st.EwmaTo);
        w.WriteInt64(st.HistoryMs);
        w.WriteInt64(st.ObservedMs);
        w.WriteInt64(st.Sample.FromEvents);
        w.WriteInt64(st.Sample.ToEvents);
        w.WriteDouble(st.Lower);
        w.WriteDouble(st.Upper);
        w.WriteDouble(st.Baseline);
        w.WriteDouble(st.Threshold);
        w.WriteBoolean(st.ThresholdIsBenchmark);
        w.WriteBoolean(st.Sufficient);
        w.WriteBoolean(st.Open);
        w.WriteString(st.AlertId);
        w.WriteInt64(st.FirstSeenMs);
        w.WriteInt64(st.LastSeenMs);
        w.WriteInt64(st.LastEmittedMs);
        w.WriteInt64(st.ClearSinceMs);
        w.WriteInt32(st.Attribution.Count);
        foreach (AttributionEntry e in st.Attribution)
        {
            w.WriteString(e.Dimension);
            w.WriteString(e.Value);
            w.WriteInt64(e.FromEvents);
            w.WriteInt64(e.ToEvents);
            w.WriteDouble(e.ExpectedRate);
            w.WriteDouble(e.Shortfall);
            w.WriteDouble(e.Share);
        }
    }

    private static LeakState ReadState(ref CheckpointReader r)
    {
        var st = new LeakState
        {
            EwmaFrom = r.ReadDouble(),
            EwmaTo = r.ReadDouble(),
            HistoryMs = r.ReadInt64(),
            ObservedMs = r.ReadInt64(),
            Sample = new ConversionSample(r.ReadInt64(), r.ReadInt64()),
            Lower = r.ReadDouble(),
            Upper = r.ReadDouble(),
            Baseline = r.ReadDouble(),
            Threshold = r.ReadDouble(),
            ThresholdIsBenchmark = r.ReadBoolean(),
            Sufficient = r.ReadBoolean(),
            Open = r.ReadBoolean(),
            AlertId = r.ReadString(),
            FirstSeenMs = r.ReadInt64(),
            LastSeenMs = r.ReadInt64(),
            LastEmittedMs = r.ReadInt64(),
            ClearSinceMs = r.ReadInt64(),
        };
        var attribution = new AttributionEntry[r.ReadCount(48)];
        for (int i = 0; i < attribution.Length; i++)
            attribution[i] = new AttributionEntry(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        st.Attribution = attribution;
        return st;
    }
}
