using System.Buffers;
using BenchmarkDotNet.Attributes;
using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// Writing and restoring the <see cref="FunnelEngine"/>'s checkpoint sections (issue 6: the engine and
/// its dedup set, <see cref="FunnelEngine.DedupState"/>, together what format 1 held in one) for a large
/// engine: 1,000,000 remembered ids (a quarter of the default dedup cap), 500 breakdown slots, windows
/// of 1 min and 1 h, 30 minutes of events open in the windows and rolling minutes. Writing happens on
/// the engine thread between batches, so its time is time the engine does not count.
/// </summary>
[MemoryDiagnoser]
public class EngineCheckpointBenchmarks
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private static readonly EngineOptions Options = new() { WindowSizes = [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)] };
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private FunnelEngine _engine = null!;
    private byte[] _section = [];
    private byte[] _dedupSection = [];
    private FunnelEngine _fresh = null!;

    [GlobalSetup]
    public void Setup()
    {
        DimensionInterner[] interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray();
        _engine = new FunnelEngine(Funnel, Options, interners);
        long t0 = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (int i = 0; i < 1_000_000; i++)
        {
            var evt = new FunnelEvent
            {
                TimestampMs = t0 + i * 2L, // 30 minutes of event time
                IdHash = ((ulong)i + 1) * 0x9E3779B97F4A7C15UL,
                Stage = (byte)(i % Funnel.Stages.Count),
                CostMicros = i % 7 == 0 ? 1_000_000 : 0,
            };
            evt.Dimensions[0] = interners[0].Intern($"campaign-{i % 50}".AsSpan());
            evt.Dimensions[1] = interners[1].Intern($"channel-{i / 50 % 10}".AsSpan());
            _engine.Process(evt);
        }
        _engine.WriteCheckpoint(_buffer);
        _section = _buffer.WrittenSpan.ToArray();
        _buffer.Clear();
        _engine.DedupState.WriteCheckpoint(_buffer);
        _dedupSection = _buffer.WrittenSpan.ToArray();
        LayOutTable();
        Console.WriteLine($"// engine checkpoint sections: {_section.Length:N0} + {_dedupSection.Length:N0} (dedup) bytes, {_engine.DedupSize:N0} ids, {_engine.SlotCount} slots");
    }

    [Benchmark]
    public int Write()
    {
        _buffer.Clear();
        _engine.WriteCheckpoint(_buffer);
        _engine.DedupState.WriteCheckpoint(_buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>The dedup section alone: the bulk of a busy instance's checkpoint (12 bytes per id).</summary>
    [Benchmark]
    public int WriteDedup()
    {
        _buffer.Clear();
        _engine.DedupState.WriteCheckpoint(_buffer);
        return _buffer.WrittenCount;
    }

    /// <summary>
    /// The same bytes the way <c>DedupSet.WriteTo</c> wrote them before 2026-12-01: two writer calls per
    /// id (a GetSpan and an Advance for the key, the same for its minute), over a table of the same
    /// capacity laid out by the same probing. Kept to show the block writing's gain side by side.
    /// </summary>
    [Benchmark(Baseline = true)]
    public int WriteDedupFieldByField()
    {
        _buffer.Clear();
        var w = new Engine.Checkpoints.CheckpointWriter(_buffer);
        w.WriteInt64(0);
        w.WriteInt32(_tableKeys.Length);
        w.WriteInt32(_engine.DedupSize);
        ulong[] keys = _tableKeys;
        int[] buckets = _tableBuckets;
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j] == 0)
                continue;
            w.WriteUInt64(keys[j]);
            w.WriteInt32(buckets[j]);
        }
        return _buffer.WrittenCount;
    }

    private static readonly Engine.Checkpoints.InputOffset[] Offsets = [new("funnel.clicks", 0, 1_000_000)];
    private readonly Engine.Checkpoints.CheckpointBuffer _capture = new();
    private readonly ArrayBufferWriter<byte> _sectionBuffer = new();

    private KeyValuePair<string, Engine.Checkpoints.ICheckpointable>[] Parts =>
        [new("engine", _engine), new(FunnelEngine.DedupSectionName, _engine.DedupState)];

    /// <summary>
    /// A whole capture as the worker takes it since 2026-12-02: every section written in place into
    /// the (reused) capture buffer, its length filled in after.
    /// </summary>
    [Benchmark]
    public int CaptureInPlace()
    {
        _capture.ResetWrittenCount();
        Engine.Checkpoints.StateCheckpoint.Write(_capture, Offsets, Parts);
        return _capture.WrittenCount;
    }

    /// <summary>
    /// The same capture the way it was taken before: each section into a (reused) section buffer, then
    /// copied into the capture buffer behind its length. Same bytes; kept to show the in-place
    /// writing's gain side by side.
    /// </summary>
    [Benchmark]
    public int CaptureThroughSectionBuffer()
    {
        _capture.ResetWrittenCount();
        var w = new Engine.Checkpoints.CheckpointWriter(_capture);
        var parts = Parts;
        Engine.Checkpoints.StateCheckpoint.WriteHeader(w, Offsets, parts.Length);
        foreach ((string name, Engine.Checkpoints.ICheckpointable part) in parts)
        {
            _sectionBuffer.ResetWrittenCount();
            part.WriteCheckpoint(_sectionBuffer);
            w.WriteString(name);
            w.WriteInt32(part.CheckpointVersion);
            w.WriteBytes(_sectionBuffer.WrittenSpan);
        }
        return _capture.WrittenCount;
    }

    private ulong[] _tableKeys = [];
    private int[] _tableBuckets = [];

    /// <summary>The dedup table as the set holds it, rebuilt from its section (header: evictions, capacity, count; then key, minute per id).</summary>
    private void LayOutTable()
    {
        ReadOnlySpan<byte> s = _dedupSection;
        int capacity = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s[8..]);
        int count = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s[12..]);
        _tableKeys = new ulong[capacity];
        _tableBuckets = new int[capacity];
        for (int n = 0, at = 16; n < count; n++, at += 12)
        {
            ulong key = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
            int i = (int)key & (capacity - 1);
            while (_tableKeys[i] != 0)
                i = (i + 1) & (capacity - 1);
            _tableKeys[i] = key;
            _tableBuckets[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s[(at + 8)..]);
        }
    }

    [IterationSetup(Target = nameof(Restore))]
    public void NewEngine() =>
        _fresh = new FunnelEngine(Funnel, Options, Funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray());

    [Benchmark]
    public int Restore()
    {
        _fresh.ReadCheckpoint(_section, _fresh.CheckpointVersion);
        _fresh.DedupState.ReadCheckpoint(_dedupSection, _fresh.DedupState.CheckpointVersion);
        return _fresh.DedupSize;
    }
}
