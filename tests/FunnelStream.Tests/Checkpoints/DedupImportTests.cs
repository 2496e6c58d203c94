using System.Buffers;
using System.Globalization;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// The dedup set as a checkpoint section of its own, and importing another instance's: when a
/// partition is handed over, its new owner takes over the previous owner's remembered ids, so a
/// producer retry whose original the previous owner counted is a duplicate, not counted twice.
/// Also: checkpoints written before the split (engine section format 1, dedup set inside) still
/// restore and import.
/// </summary>
public sealed class DedupImportTests
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private static readonly long T0 = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const int Click = 1;

    private static EngineOptions Options(int dedupMax = 100_000, TimeSpan? horizon = null) => new()
    {
        WindowSizes = [TimeSpan.FromMinutes(1)],
        AllowedLateness = TimeSpan.FromMinutes(5),
        DedupHorizon = horizon ?? TimeSpan.FromMinutes(20),
        DedupMaxEntries = dedupMax,
        IdleSourceTimeout = TimeSpan.FromSeconds(30),
    };

    private static ulong Id(int n) => (ulong)n * 0x9E3779B97F4A7C15UL;

    /// <summary>An engine with its own interners, processing clicks by id number and event time.</summary>
    private sealed class Instance
    {
        private readonly DimensionInterner[] _interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();

        public Instance(EngineOptions options) => Engine = new FunnelEngine(Funnel, options, _interners);

        public FunnelEngine Engine { get; }

        public EventOutcome Click(int n, long ms)
        {
            var evt = new FunnelEvent { IdHash = Id(n), TimestampMs = ms, Stage = DedupImportTests.Click };
            evt.Dimensions[0] = _interners[0].Intern("spring".AsSpan());
            evt.Dimensions[1] = _interners[1].Intern("linkedin".AsSpan());
            return Engine.Process(evt);
        }
    }

    /// <summary>A section with given bytes, to build checkpoints other versions (or corruption) would write.</summary>
    private sealed class RawSection(int version, byte[] bytes) : ICheckpointable
    {
        public int CheckpointVersion => version;

        public void WriteCheckpoint(IBufferWriter<byte> output) => output.Write(bytes);

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => throw new NotSupportedException();
    }

    private static KeyValuePair<string, ICheckpointable> Part(string name, ICheckpointable part) => new(name, part);

    /// <summary>A part written where it is listed, even when it could be a snapshot section.</summary>
    private sealed class InPlace(ICheckpointable part) : ICheckpointable
    {
        public int CheckpointVersion => part.CheckpointVersion;

        public void WriteCheckpoint(IBufferWriter<byte> output) => part.WriteCheckpoint(output);

        public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => part.ReadCheckpoint(data, version);
    }

    private static byte[] CheckpointOf(params KeyValuePair<string, ICheckpointable>[] parts)
    {
        using var buffer = new CheckpointBuffer();
        StateCheckpoint.Write(buffer, [new InputOffset("funnel.events", 3, 1234)], parts);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What the host writes: the engine, then its dedup set.</summary>
    private static byte[] Checkpoint(FunnelEngine engine) =>
        CheckpointOf(Part("engine", engine), new(FunnelEngine.DedupSectionName, engine.DedupState));

    private static byte[] DedupSection(FunnelEngine engine)
    {
        var buffer = new ArrayBufferWriter<byte>();
        engine.DedupState.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void TryImportDedupFrom_RetryOfIdThePreviousOwnerCounted_IsDuplicate()
    {
        var a = new Instance(Options());
        for (int n = 1; n <= 50; n++)
            Assert.Equal(EventOutcome.Counted, a.Click(n, T0 + n * 1_000L));
        var b = new Instance(Options());

        Assert.True(b.Engine.TryImportDedupFrom(Checkpoint(a.Engine), out int added));

        Assert.Equal(50, added);
        Assert.Equal(50, b.Engine.DedupSize);
        Assert.Equal(0, b.Engine.CountedTotal);
        Assert.Equal(0, b.Engine.DuplicateCount);
        Assert.Equal(0, b.Engine.DedupEvictions);
        Assert.Equal(EventOutcome.Duplicate, b.Click(17, T0 + 17_000));
        Assert.Equal(EventOutcome.Counted, b.Click(51, T0 + 51_000));
        Assert.Equal(1, b.Engine.CountedTotal);
        Assert.Equal(1, b.Engine.DuplicateCount);
    }

    [Fact]
    public void TryImportDedupFrom_EngineWithOwnIds_AddsOnlyIdsItLacksAndCountsNothing()
    {
        var a = new Instance(Options());
        for (int n = 1; n <= 30; n++)
            a.Click(n, T0 + n * 1_000L);
        var b = new Instance(Options());
        for (int n = 21; n <= 40; n++)
            b.Click(n, T0 + n * 1_000L);
        b.Click(25, T0 + 25_000); // a duplicate of its own
        (long counted, long duplicates, long watermark) = (b.Engine.CountedTotal, b.Engine.DuplicateCount, b.Engine.Watermark);

        Assert.True(b.Engine.TryImportDedupFrom(Checkpoint(a.Engine), out int added));

        Assert.Equal(20, added); // ids 1-20: 21-30 it remembers already
        Assert.Equal(40, b.Engine.DedupSize);
        Assert.Equal((counted, duplicates, watermark), (b.Engine.CountedTotal, b.Engine.DuplicateCount, b.Engine.Watermark));
        Assert.Equal(EventOutcome.Duplicate, b.Click(3, T0 + 41_000));
        Assert.Equal(EventOutcome.Duplicate, b.Click(30, T0 + 42_000));
        Assert.Equal(EventOutcome.Counted, b.Click(41, T0 + 43_000));

        // Importing the same again adds nothing.
        Assert.True(b.Engine.TryImportDedupFrom(Checkpoint(a.Engine), out int again));
        Assert.Equal(0, again);
        Assert.Equal(41, b.Engine.DedupSize);
    }

    [Fact]
    public void ImportDedup_IdsPastTheHorizonBehindTheWatermark_AreNotImported()
    {
        // A saw one id per minute, minutes 0 to 29; B's watermark is at minute 40 and it remembers 20 minutes.
        var a = new Instance(Options());
        for (int m = 0; m < 30; m++)
            a.Click(m + 1, T0 + m * 60_000L);
        var b = new Instance(Options());
        b.Click(1000, T0 + 40 * 60_000L);
        Assert.Equal(T0 + 40 * 60_000L, b.Engine.Watermark);

        int added = b.Engine.ImportDedup(DedupSection(a.Engine), 1);

        Assert.Equal(10, added); // minutes 20 to 29
        Assert.Equal(11, b.Engine.DedupSize);
        Assert.Equal(EventOutcome.Duplicate, b.Click(21, T0 + 40 * 60_000L));
        Assert.Equal(EventOutcome.Duplicate, b.Click(30, T0 + 40 * 60_000L));
    }

    [Fact]
    public void ImportDedup_NoWatermarkYet_KeepsEveryId()
    {
        var a = new Instance(Options());
        for (int m = 0; m < 30; m++)
            a.Click(m + 1, T0 + m * 60_000L);
        var b = new Instance(Options());

        Assert.Equal(30, b.Engine.ImportDedup(DedupSection(a.Engine), 1));
        Assert.Equal(EventOutcome.Duplicate, b.Click(1, T0));
    }

    [Fact]
    public void ImportDedup_MoreIdsThanTheCap_EvictsOldestMinutesCountingEvictions()
    {
        // A remembers 3,000 ids over 60 minutes; B holds at most 1,024.
        var a = new Instance(Options(dedupMax: 100_000, horizon: TimeSpan.FromHours(2)));
        for (int n = 1; n <= 3000; n++)
            a.Click(n, T0 + n * 1_200L);
        var b = new Instance(Options(dedupMax: 1024, horizon: TimeSpan.FromHours(2)));

        Assert.Equal(3000, a.Engine.DedupSize);

        int added = b.Engine.ImportDedup(DedupSection(a.Engine), 1);

        // Every id was added; those the cap made it forget again are evictions.
        Assert.Equal(3000, added);
        Assert.True(b.Engine.DedupSize < 1024, $"size {b.Engine.DedupSize}");
        Assert.True(b.Engine.DedupEvictions >= 3000 - 1023, $"evictions {b.Engine.DedupEvictions}");
        Assert.Equal(added, b.Engine.DedupSize + b.Engine.DedupEvictions);
        Assert.Equal(0, b.Engine.CountedTotal);
        // The oldest minutes go first: the last five minutes' ids are all remembered.
        for (int n = 2750; n <= 3000; n++)
            Assert.Equal(EventOutcome.Duplicate, b.Click(n, T0 + n * 1_200L));
    }

    [Fact]
    public void TryImportDedupFrom_CheckpointWithoutDedupIds_ReturnsFalse()
    {
        var a = new Instance(Options());
        a.Click(1, T0);
        var b = new Instance(Options());

        Assert.False(b.Engine.TryImportDedupFrom(CheckpointOf(new KeyValuePair<string, ICheckpointable>("engine", a.Engine)), out int added));
        Assert.Equal(0, added);
        Assert.False(b.Engine.TryImportDedupFrom(CheckpointOf(), out added));
        Assert.Equal(0, b.Engine.DedupSize);
    }

    [Fact]
    public void ReadCheckpoint_Format1CheckpointOfEarlierVersion_RestoresEverythingIncludingDedupIds()
    {
        byte[] fixture = EngineFormat1Fixture.Bytes();
        Assert.True(StateCheckpoint.TryReadSection(fixture, "engine", out int version, out _));
        Assert.Equal(1, version);
        Assert.False(StateCheckpoint.TryReadSection(fixture, FunnelEngine.DedupSectionName, out _, out _));

        // The same events fed to an engine of this version...
        var fed = new Sunk();
        Format1Traffic.Feed(fed.Engine, fed.Interners);
        int closedBefore = fed.Closed.Count;
        // ...and the checkpoint an earlier version wrote of them, restored as the host restores (both sections registered).
        var restored = new Sunk();
        IReadOnlyList<InputOffset> offsets = StateCheckpoint.Restore(fixture, [new("engine", restored.Engine), new(FunnelEngine.DedupSectionName, restored.Engine.DedupState)]);

        Assert.Equal(EngineFormat1Fixture.NextOffset, offsets.Single().Next);
        Assert.Equal(40, restored.Engine.DedupSize);
        Assert.Equal(fed.State(), restored.State());

        // Counting on, both judge alike: retries of every earlier id are duplicates.
        var more = new List<FunnelEvent>();
        for (int n = 1; n <= 60; n++)
            more.Add(new FunnelEvent { IdHash = Format1Traffic.IdHash(n), TimestampMs = Format1Traffic.T0 + (40 + n) * 15_000L, Stage = Click });
        List<EventOutcome> fedOutcomes = more.Select(fed.Process).ToList();
        List<EventOutcome> restoredOutcomes = more.Select(restored.Process).ToList();
        Assert.Equal(fedOutcomes, restoredOutcomes);
        Assert.Equal(Enumerable.Repeat(EventOutcome.Duplicate, 40), restoredOutcomes.Take(40));
        Assert.Equal(Enumerable.Repeat(EventOutcome.Counted, 20), restoredOutcomes.Skip(40));
        fed.Engine.CloseAllWindows();
        restored.Engine.CloseAllWindows();
        Assert.Equal(fed.State(), restored.State());
        Assert.Equal(fed.Closed.Skip(closedBefore), restored.Closed);
        Assert.NotEmpty(restored.Closed);
    }

    [Fact]
    public void TryImportDedupFrom_Format1CheckpointOfEarlierVersion_ImportsItsIds()
    {
        var b = new Instance(Options());

        Assert.True(b.Engine.TryImportDedupFrom(EngineFormat1Fixture.Bytes(), out int added));

        Assert.Equal(Format1Traffic.Ids, added);
        Assert.Equal(0, b.Engine.CountedTotal);
        Assert.Equal(EventOutcome.Duplicate, b.Engine.Process(new FunnelEvent { IdHash = Format1Traffic.IdHash(7), TimestampMs = Format1Traffic.T0, Stage = Click }));
        Assert.Equal(EventOutcome.Counted, b.Engine.Process(new FunnelEvent { IdHash = Format1Traffic.IdHash(41), TimestampMs = Format1Traffic.T0, Stage = Click }));
    }

    [Fact]
    public void TryImportDedupFrom_CorruptFormat1EngineSection_ThrowsInvalidDataAddingNothing()
    {
        byte[] fixture = EngineFormat1Fixture.Bytes();
        Assert.True(StateCheckpoint.TryReadSection(fixture, "engine", out _, out ReadOnlySpan<byte> section));
        byte[] engine = section.ToArray();
        var b = new Instance(Options());

        foreach (byte[] corrupt in new[] { engine[..(engine.Length / 2)], engine[..^1], [.. engine, 0] })
        {
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(CheckpointOf(Part("engine", new RawSection(1, corrupt))), out _));
            Assert.StartsWith("checkpoint section 'engine' (version 1): ", e.Message, StringComparison.Ordinal);
        }
        // A stage count no funnel has.
        byte[] stages = (byte[])engine.Clone();
        BitConverter.TryWriteBytes(stages.AsSpan(0, 4), 1000);
        InvalidDataException many = Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(CheckpointOf(Part("engine", new RawSection(1, stages))), out _));
        Assert.Contains("1000 stages is not valid", many.Message, StringComparison.Ordinal);
        Assert.Equal(0, b.Engine.DedupSize);
    }

    [Fact]
    public void DedupStateReadCheckpoint_AfterFormat1EngineSection_ThrowsInvalidData()
    {
        // No version writes both; a checkpoint holding both is not trusted.
        var other = new Instance(Options());
        other.Click(1, T0);
        byte[] fixture = EngineFormat1Fixture.Bytes();
        Assert.True(StateCheckpoint.TryReadSection(fixture, "engine", out _, out ReadOnlySpan<byte> section));
        byte[] both = CheckpointOf(Part("engine", new RawSection(1, section.ToArray())), new(FunnelEngine.DedupSectionName, new RawSection(1, DedupSection(other.Engine))));
        var restored = new Sunk();

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => StateCheckpoint.Restore(both, [new("engine", restored.Engine), new(FunnelEngine.DedupSectionName, restored.Engine.DedupState)]));
        Assert.Contains("holds the dedup set twice", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The host's capture: <see cref="StateCheckpoint.Begin"/> on the engine thread, the dedup ids
    /// written later on another thread while the engine counts on. The checkpoint is the state at
    /// Begin, byte for byte, with the dedup section last; restored, an id counted after Begin is new.
    /// </summary>
    [Fact]
    public async Task StateCheckpointBegin_EngineCountsOnBeforeComplete_CheckpointIsTheStateAtBegin()
    {
        var a = new Instance(Options());
        for (int n = 1; n <= 3_000; n++)
            a.Click(n, T0 + n * 1_000L);
        byte[] expected = Checkpoint(a.Engine);
        using var buffer = new CheckpointBuffer();

        PendingCheckpoint pending = StateCheckpoint.Begin(buffer, [new InputOffset("funnel.events", 3, 1234)],
            [Part(FunnelEngine.DedupSectionName, a.Engine.DedupState), Part("engine", a.Engine)]);
        Assert.False(pending.IsComplete);
        for (int n = 3_001; n <= 3_500; n++)
            Assert.Equal(EventOutcome.Counted, a.Click(n, T0 + n * 1_000L));
        await Task.Run(pending.Complete);

        Assert.True(pending.IsComplete);
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
        Assert.True(StateCheckpoint.TryReadSection(buffer.WrittenSpan, "engine", out _, out _));
        var b = new Instance(Options());
        StateCheckpoint.Restore(buffer.WrittenSpan, [new("engine", b.Engine), new(FunnelEngine.DedupSectionName, b.Engine.DedupState)]);
        Assert.Equal(EventOutcome.Duplicate, b.Click(3_000, T0 + 3_000 * 1_000L));
        Assert.Equal(EventOutcome.Counted, b.Click(3_001, T0 + 3_001 * 1_000L));
    }

    [Fact]
    public void StateCheckpointRestore_DedupSectionWrittenBeforeEngine_RestoresTheSame()
    {
        var a = new Instance(Options());
        for (int n = 1; n <= 200; n++)
            a.Click(n, T0 + n * 20_000L);
        // Written in place, not as a snapshot (which StateCheckpoint.Write puts after the other sections).
        byte[] reversed = CheckpointOf(Part(FunnelEngine.DedupSectionName, new InPlace(a.Engine.DedupState)), new("engine", a.Engine));
        var b = new Instance(Options());

        StateCheckpoint.Restore(reversed, [new("engine", b.Engine), new(FunnelEngine.DedupSectionName, b.Engine.DedupState)]);

        Assert.Equal((a.Engine.CountedTotal, a.Engine.DedupSize, a.Engine.Watermark), (b.Engine.CountedTotal, b.Engine.DedupSize, b.Engine.Watermark));
        Assert.Equal(EventOutcome.Duplicate, b.Click(200, T0 + 200 * 20_000L));
        Assert.Equal(EventOutcome.Counted, b.Click(201, T0 + 201 * 20_000L));
    }

    [Fact]
    public void ImportDedup_CorruptSection_ThrowsInvalidDataAddingNothing()
    {
        var a = new Instance(Options());
        for (int n = 1; n <= 20; n++)
            a.Click(n, T0 + n * 1_000L);
        byte[] data = DedupSection(a.Engine);
        var b = new Instance(Options());
        b.Click(500, T0);

        void Refused(Action<byte[]> corrupt, string because, Func<byte[], byte[]>? reshape = null)
        {
            byte[] copy = (byte[])data.Clone();
            corrupt(copy);
            copy = reshape?.Invoke(copy) ?? copy;
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Engine.ImportDedup(copy, 1));
            Assert.Contains(because, e.Message, StringComparison.Ordinal);
            InvalidDataException whole = Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(CheckpointOf(Part(FunnelEngine.DedupSectionName, new RawSection(1, copy))), out _));
            Assert.StartsWith("checkpoint section 'dedup' (version 1): ", whole.Message, StringComparison.Ordinal);
            Assert.Contains(because, whole.Message, StringComparison.Ordinal);
            Assert.Equal(1, b.Engine.DedupSize); // nothing added: checked before adding
        }

        // The last entry (id hash, minute): a zero id, a negative minute.
        Refused(d => d.AsSpan(d.Length - 12, 8).Clear(), "is not valid");
        Refused(d => BitConverter.TryWriteBytes(d.AsSpan(d.Length - 4, 4), -5), "is not valid");
        // The header: evictions negative, capacity not a power of two or too small for the ids, a negative count.
        Refused(d => BitConverter.TryWriteBytes(d.AsSpan(0, 8), -1L), "is not valid");
        Refused(d => BitConverter.TryWriteBytes(d.AsSpan(8, 4), 100_000), "is not valid");
        Refused(d => BitConverter.TryWriteBytes(d.AsSpan(8, 4), 16), "is not valid");
        Refused(d => BitConverter.TryWriteBytes(d.AsSpan(12, 4), -1), "count of -1");
        // Cut short, or trailing bytes.
        Refused(_ => { }, "count of 20 does not fit", d => d[..^3]);
        Refused(_ => { }, "unexpected bytes after the dedup set", d => [.. d, 0]);
        Refused(_ => { }, "truncated", d => d[..5]);
    }

    [Fact]
    public void ImportDedup_UnknownVersion_ThrowsInvalidData()
    {
        var a = new Instance(Options());
        a.Click(1, T0);
        var b = new Instance(Options());

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => b.Engine.ImportDedup(DedupSection(a.Engine), 2));
        Assert.Contains("dedup section format 2 is not supported", e.Message, StringComparison.Ordinal);
        InvalidDataException whole = Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(CheckpointOf(Part(FunnelEngine.DedupSectionName, new RawSection(2, DedupSection(a.Engine)))), out _));
        Assert.Contains("format 2 is not supported", whole.Message, StringComparison.Ordinal);
        Assert.Equal(0, b.Engine.DedupSize);
    }

    [Fact]
    public void TryImportDedupFrom_NotACheckpoint_ThrowsInvalidData()
    {
        var a = new Instance(Options());
        a.Click(1, T0);
        byte[] checkpoint = Checkpoint(a.Engine);
        var b = new Instance(Options());

        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom([.. checkpoint.Skip(1)], out _)).Message, StringComparison.Ordinal);
        Assert.Contains("does not fit", Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(checkpoint[..^1], out _)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom(checkpoint[..6], out _)).Message, StringComparison.Ordinal);
        Assert.Contains("unexpected bytes after the last section", Assert.Throws<InvalidDataException>(() => b.Engine.TryImportDedupFrom([.. checkpoint, 0], out _)).Message, StringComparison.Ordinal);
        Assert.Equal(0, b.Engine.DedupSize);
    }

    [Fact]
    public void TryReadSection_NamedSection_ReturnsItsVersionAndBytes()
    {
        byte[] checkpoint = CheckpointOf(Part("first", new RawSection(4, [1, 2, 3])), new("second", new RawSection(7, [9])), new("second", new RawSection(8, [])));

        Assert.True(StateCheckpoint.TryReadSection(checkpoint, "first", out int version, out ReadOnlySpan<byte> bytes));
        Assert.Equal(4, version);
        Assert.Equal([1, 2, 3], bytes.ToArray());
        Assert.True(StateCheckpoint.TryReadSection(checkpoint, "second", out version, out bytes));
        Assert.Equal((7, 1), (version, bytes.Length));
        Assert.False(StateCheckpoint.TryReadSection(checkpoint, "third", out version, out bytes));
        Assert.Equal((0, 0), (version, bytes.Length));
    }

    /// <summary>An engine with <see cref="Format1Traffic.Options"/>, recording every closed window.</summary>
    private sealed class Sunk : IWindowSink
    {
        public Sunk()
        {
            Interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
            Engine = new FunnelEngine(Funnel, Format1Traffic.Options(), Interners, this);
        }

        public DimensionInterner[] Interners { get; }

        public FunnelEngine Engine { get; }

        public List<string> Closed { get; } = [];

        public EventOutcome Process(FunnelEvent evt)
        {
            evt.Dimensions[0] = Interners[0].Intern("spring".AsSpan());
            evt.Dimensions[1] = Interners[1].Intern("linkedin".AsSpan());
            return Engine.Process(evt);
        }

        public void OnWindowClosed(ClosedWindow window) =>
            Closed.Add($"{window.SizeMs} [{window.StartMs},{window.EndMs}) {EngineReadout.WindowRows(window, Funnel.Stages.Count)}");

        /// <summary>What a user reads from the engine, by dimension value.</summary>
        public string State()
        {
            FunnelEngine e = Engine;
            var s = new StringBuilder();
            s.AppendLine(CultureInfo.InvariantCulture, $"counted {e.CountedTotal} duplicates {e.DuplicateCount} closed {e.ClosedWindowCount} restated {e.RestatedCount}");
            s.AppendLine(CultureInfo.InvariantCulture, $"late {string.Join(',', Enumerable.Range(0, Funnel.Stages.Count).Select(e.LateCount))}");
            s.AppendLine(CultureInfo.InvariantCulture, $"newest {e.NewestEventTimeMs} watermark {e.Watermark} flushed {e.FlushedThroughMs}");
            s.AppendLine(CultureInfo.InvariantCulture, $"dedup {e.DedupSize} evictions {e.DedupEvictions} spend figures {e.SpendFigureCount} slots {e.SlotCount}");
            EngineReadout.CounterRows(e, Funnel.Stages.Count).ForEach(r => s.AppendLine(r));
            var rolling = new StageTotals(Funnel.Stages.Count);
            e.SumRollingTotals(e.Watermark, TimeSpan.FromHours(1), rolling);
            s.AppendLine(CultureInfo.InvariantCulture, $"rolling 1h: {EngineReadout.Render(rolling)}");
            return s.ToString();
        }
    }
}
