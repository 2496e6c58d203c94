using System.Buffers;
using System.Globalization;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Events;
using FunnelStream.Generator;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// Checkpoints of the <see cref="FunnelEngine"/>'s own state (issue 6): an engine restored from a
/// checkpoint taken mid-stream, fed the rest of the stream, is indistinguishable from one that was
/// never interrupted; bad checkpoints are refused with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class FunnelEngineCheckpointTests
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private static readonly long ParserNow = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan[] RollingSpans = [TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24)];

    private static EngineOptions Options(TimeSpan? lateness = null, TimeSpan[]? windows = null, int dedupMax = 4_000_000, TimeSpan? horizon = null) => new()
    {
        WindowSizes = windows ?? [Minute, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)],
        AllowedLateness = lateness ?? TimeSpan.FromMinutes(5),
        DedupHorizon = horizon ?? TimeSpan.FromMinutes(20),
        DedupMaxEntries = dedupMax,
        IdleSourceTimeout = TimeSpan.FromSeconds(30),
        SpendRestatements = true,
    };

    /// <summary>
    /// One input step: a record (<see cref="Value"/>) or, with <see cref="Value"/> null, the processing
    /// time moving to <see cref="ProcessingMs"/>.
    /// </summary>
    private readonly record struct Step(byte[]? Value, long ProcessingMs);

    /// <summary>
    /// 40 minutes of generated traffic across a UTC midnight with duplicates, out-of-order and late
    /// events, spend every minute (restatements applied before the day's first report falls behind the
    /// lateness, rejected as late after it); processing time following the newest event time, with
    /// quiet gaps that make the engine flush open windows provisionally; and, now and then, a repeat of
    /// a record 25 minutes old (past the 20-minute dedup horizon: a duplicate while the id is still
    /// remembered, late once it is forgotten).
    /// </summary>
    private static readonly Lazy<Step[]> Traffic = new(() =>
    {
        var options = new TrafficOptions
        {
            Seed = 11,
            Start = new DateTimeOffset(2026, 3, 2, 23, 40, 0, TimeSpan.Zero),
            Duration = TimeSpan.FromMinutes(40),
            EventsPerSecond = 2,
            SpendReportInterval = Minute,
            DuplicateRate = 0.03,
            DuplicateMaxDelay = TimeSpan.FromMinutes(2),
            OutOfOrderJitter = TimeSpan.FromMinutes(3),
            LateRate = 0.01,
            BadRecordRate = 0.005,
        };
        List<GeneratedRecord> records = new TrafficGenerator(options).Generate().ToList();
        var steps = new List<Step>();
        long newest = long.MinValue, offset = 0;
        for (int i = 0; i < records.Count; i++)
        {
            newest = Math.Max(newest, records[i].Timestamp.ToUnixTimeMilliseconds());
            if (i % 25 == 0)
                steps.Add(new Step(null, newest + offset));
            if (i % 600 == 599)
            {
                // Quiet for two minutes of processing time, told in three steps: past the idle timeout, so
                // open windows are flushed, each once until it changes again.
                for (int q = 1; q <= 3; q++)
                    steps.Add(new Step(null, newest + offset + q * 40_000));
                offset += 120_000;
            }
            steps.Add(new Step(records[i].Value, 0));
            if (i % 97 == 96)
            {
                GeneratedRecord old = records.Take(i).LastOrDefault(r => r.Kind == RecordKind.Valid && r.Timestamp.ToUnixTimeMilliseconds() < newest - 25 * 60_000);
                if (old.Value is not null)
                    steps.Add(new Step(old.Value, 0));
            }
        }
        return steps.ToArray();
    });

    /// <summary>An engine with its own interners and parser, recording every window it hands over.</summary>
    private sealed class Run : IProvisionalWindowSink
    {
        private readonly EventParser _parser;

        public Run(EngineOptions options, DimensionInterner[]? interners = null, FunnelDefinition? funnel = null)
        {
            funnel ??= Funnel;
            Interners = interners ?? funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
            _parser = new EventParser(funnel, new EventParserOptions { MaxAge = TimeSpan.FromDays(365 * 100) }, Interners);
            _parser.SetClock(ParserNow, ParserNow);
            Engine = new FunnelEngine(funnel, options, Interners, this);
        }

        public DimensionInterner[] Interners { get; }

        public FunnelEngine Engine { get; }

        /// <summary>Every window handed over, one line each: final or provisional, size, bounds, then each breakdown's numbers.</summary>
        public List<string> Delivered { get; } = [];

        public List<EventOutcome> Outcomes { get; } = [];

        public int Flushes { get; private set; }

        public void Apply(ReadOnlySpan<Step> steps)
        {
            foreach (Step step in steps)
            {
                if (step.Value is null)
                {
                    Engine.SetProcessingTime(step.ProcessingMs);
                    continue;
                }
                if (_parser.Parse(step.Value, out FunnelEvent evt) == RejectReason.None)
                    Outcomes.Add(Engine.Process(evt));
            }
        }

        public void OnWindowClosed(ClosedWindow window) => Record(window);

        public void OnWindowFlushed(ClosedWindow window)
        {
            Flushes++;
            Record(window);
        }

        private void Record(ClosedWindow window) =>
            Delivered.Add($"{(window.IsFinal ? "final" : "provisional")} {window.SizeMs} [{window.StartMs},{window.EndMs}) {EngineReadout.WindowRows(window, Funnel.Stages.Count)}");

        /// <summary>Everything a user reads from the engine, by dimension value.</summary>
        public string State()
        {
            FunnelEngine e = Engine;
            var s = new StringBuilder();
            s.AppendLine(CultureInfo.InvariantCulture, $"counted {e.CountedTotal} duplicates {e.DuplicateCount} closed {e.ClosedWindowCount} restated {e.RestatedCount}");
            s.AppendLine(CultureInfo.InvariantCulture, $"late {string.Join(',', Enumerable.Range(0, Funnel.Stages.Count).Select(e.LateCount))}");
            s.AppendLine(CultureInfo.InvariantCulture, $"newest {e.NewestEventTimeMs} watermark {e.Watermark} snapshot {e.WatermarkSnapshot} flushed {e.FlushedThroughMs}");
            s.AppendLine(CultureInfo.InvariantCulture, $"dedup {e.DedupSize} evictions {e.DedupEvictions} spend figures {e.SpendFigureCount} slots {e.SlotCount}");
            EngineReadout.CounterRows(e, Funnel.Stages.Count).ForEach(r => s.AppendLine(r));
            foreach (long end in new[] { e.Watermark, e.NewestEventTimeMs })
            {
                foreach (TimeSpan span in RollingSpans)
                {
                    var totals = new StageTotals(Funnel.Stages.Count);
                    e.SumRollingTotals(end, span, totals);
                    long[] perStage = new long[Funnel.Stages.Count];
                    e.SumRolling(end, span, perStage);
                    s.AppendLine(CultureInfo.InvariantCulture, $"rolling {span} to {end}: {EngineReadout.Render(totals)} | {string.Join(',', perStage)}");
                }
            }
            return s.ToString();
        }
    }

    /// <summary>Interners of a new process: other values interned first, in another order, so every id differs.</summary>
    private static DimensionInterner[] ShuffledInterners(int budget = 100)
    {
        DimensionInterner[] interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, budget)).ToArray();
        foreach (DimensionInterner interner in interners)
        {
            for (int i = 0; i < 7; i++)
                interner.Intern($"zz-{interner.Name}-{i}".AsSpan());
        }
        foreach (string campaign in new TrafficOptions().Campaigns.Reverse())
            interners[0].Intern(campaign.AsSpan());
        foreach (string channel in new TrafficOptions().Channels.Select(c => c.Name).Reverse())
            interners[1].Intern(channel.AsSpan());
        return interners;
    }

    /// <summary>The engine's two sections, as the host registers them: the engine, then its dedup set.</summary>
    private static KeyValuePair<string, ICheckpointable>[] Parts(FunnelEngine engine) =>
        [new("engine", engine), new(FunnelEngine.DedupSectionName, engine.DedupState)];

    private static byte[] Checkpoint(FunnelEngine engine, long nextOffset)
    {
        using var buffer = new CheckpointBuffer();
        StateCheckpoint.Write(buffer, [new InputOffset("funnel.events", 0, nextOffset)], Parts(engine));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Restores <paramref name="into"/> from a whole checkpoint of <paramref name="from"/> (both sections).</summary>
    private static void Restore(FunnelEngine from, FunnelEngine into) => StateCheckpoint.Restore(Checkpoint(from, 0), Parts(into));

    private static byte[] DedupSection(FunnelEngine engine)
    {
        var buffer = new ArrayBufferWriter<byte>();
        engine.DedupState.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Section(FunnelEngine engine)
    {
        var buffer = new ArrayBufferWriter<byte>();
        engine.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void StateCheckpoint_SectionsWrittenInPlace_LaidOutAsDocumentedAndRestore()
    {
        var run = new Run(Options());
        run.Apply(Traffic.Value);
        Assert.True(run.Engine.DedupSize > 1000, $"dedup ids: {run.Engine.DedupSize}"); // sections far past the writer's first size, so it grows mid-section
        InputOffset[] offsets = [new("funnel.clicks", 0, 17), new("funnel.leads", 3, 4242)];

        using var written = new CheckpointBuffer();
        StateCheckpoint.Write(written, offsets, Parts(run.Engine));

        // The layout of StateCheckpoint's remarks, each section written on its own and copied in.
        var expected = new ArrayBufferWriter<byte>();
        var w = new CheckpointWriter(expected);
        w.WriteInt32(0x43495346); // "FSIC"
        w.WriteInt32(1);
        w.WriteInt32(offsets.Length);
        foreach (InputOffset o in offsets)
        {
            w.WriteString(o.Topic);
            w.WriteInt32(o.Partition);
            w.WriteInt64(o.Next);
        }
        w.WriteInt32(2);
        foreach ((string name, ICheckpointable part) in Parts(run.Engine))
        {
            var section = new ArrayBufferWriter<byte>();
            part.WriteCheckpoint(section);
            w.WriteString(name);
            w.WriteInt32(part.CheckpointVersion);
            w.WriteBytes(section.WrittenSpan);
        }
        Assert.Equal(expected.WrittenSpan.ToArray(), written.WrittenSpan.ToArray());

        var restored = new Run(Options());
        Assert.Equal(offsets, StateCheckpoint.Restore(written.WrittenSpan, Parts(restored.Engine)));
        Assert.Equal(run.State(), restored.State());
    }

    [Fact]
    public void FunnelEngine_RestoredMidStream_ContinuesExactlyAsUninterrupted()
    {
        Step[] steps = Traffic.Value;
        var a = new Run(Options());
        var progress = new (long Closed, int Flushes, long Restated, long Late)[steps.Length + 1];
        for (int i = 0; i <= steps.Length; i++)
        {
            progress[i] = (a.Engine.ClosedWindowCount, a.Flushes, a.Engine.RestatedCount, a.Engine.LateCount(Funnel.SpendStage));
            if (i < steps.Length)
                a.Apply(steps.AsSpan(i, 1));
        }
        string aState = a.State();
        int aDeliveredBeforeClose = a.Delivered.Count;
        a.Engine.CloseAllWindows();
        string aFinalState = a.State();

        // The input is only as good as what it exercises.
        Assert.True(a.Engine.DuplicateCount > 50, $"duplicates: {a.Engine.DuplicateCount}");
        Assert.True(Enumerable.Range(0, Funnel.Stages.Count).Sum(s => a.Engine.LateCount(s)) > 20, "late events");
        Assert.True(a.Engine.RestatedCount > 10, $"restatements applied: {a.Engine.RestatedCount}");
        Assert.True(a.Engine.LateCount(Funnel.SpendStage) > 5, "restatements rejected as late");
        Assert.True(a.Flushes > 10, $"provisional flushes: {a.Flushes}");
        Assert.True(a.Engine.ClosedWindowCount > 40, $"closed windows: {a.Engine.ClosedWindowCount}");

        // Evenly spread cuts, plus right after a window closed, a provisional flush (more may follow: the
        // stream is still quiet), an applied restatement and a late one.
        var cuts = new SortedSet<int>(Enumerable.Range(1, 8).Select(k => steps.Length * k / 9));
        foreach (Func<int, bool> changed in new Func<int, bool>[]
        {
            i => progress[i + 1].Closed > progress[i].Closed,
            i => progress[i + 1].Flushes > progress[i].Flushes,
            i => progress[i + 1].Restated > progress[i].Restated,
            i => progress[i + 1].Late > progress[i].Late,
        })
        {
            cuts.Add(Enumerable.Range(steps.Length / 3, steps.Length / 2).First(changed) + 1);
        }
        // Right before processing time moves on while events flow (not idle: nothing may be flushed).
        cuts.Add(Enumerable.Range(steps.Length / 2, steps.Length / 3).First(i => steps[i].Value is null && steps[i - 1].Value is not null && steps[i + 1].Value is not null));

        foreach (int cut in cuts)
        {
            var b = new Run(Options());
            b.Apply(steps.AsSpan(0, cut));
            byte[] checkpoint = Checkpoint(b.Engine, cut);

            var c = new Run(Options(), ShuffledInterners());
            IReadOnlyList<InputOffset> offsets = StateCheckpoint.Restore(checkpoint, Parts(c.Engine));
            c.Engine.AddSource(0);
            Assert.Equal(cut, offsets.Single().Next);
            Assert.Equal(b.State(), c.State());

            c.Apply(steps.AsSpan(cut));
            Assert.Equal(a.Outcomes, b.Outcomes.Concat(c.Outcomes));
            Assert.Equal(aState, c.State());
            Assert.Equal(a.Delivered.Take(aDeliveredBeforeClose), b.Delivered.Concat(c.Delivered));
            c.Engine.CloseAllWindows();
            Assert.Equal(aFinalState, c.State());
            Assert.Equal(a.Delivered, b.Delivered.Concat(c.Delivered));
        }
    }

    [Fact]
    public void FunnelEngine_RestoredWithDedupSetNearItsCap_EvictsAsUninterrupted()
    {
        // 1,024 ids at most (the smallest cap; eviction keeps 768), 30 new ids a minute, and every fifth
        // step a repeat of an id 600 to 1,400 events old: remembered (a duplicate) or already evicted at
        // the cap (counted again).
        var steps = new List<(ulong Id, long Ms)>();
        long t0 = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (int i = 0; i < 4000; i++)
        {
            long ms = t0 + i * 2_000L;
            steps.Add(((ulong)i + 1, ms));
            if (i % 5 == 4 && i >= 1400)
                steps.Add(((ulong)(i - 600 - (i * 7919 % 800)) + 1, ms));
        }
        EngineOptions options = Options(windows: [Minute], dedupMax: 1024, horizon: TimeSpan.FromHours(24));

        (FunnelEngine Engine, DimensionInterner[] Interners, List<EventOutcome> Outcomes) New(DimensionInterner[]? interners = null)
        {
            interners ??= Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
            return (new FunnelEngine(Funnel, options, interners), interners, []);
        }
        void Feed((FunnelEngine Engine, DimensionInterner[] Interners, List<EventOutcome> Outcomes) run, IEnumerable<(ulong Id, long Ms)> events)
        {
            foreach ((ulong id, long ms) in events)
            {
                var evt = new FunnelEvent { IdHash = id * 0x9E3779B97F4A7C15UL, TimestampMs = ms, Stage = 1 };
                evt.Dimensions[0] = run.Interners[0].Intern("spring".AsSpan());
                evt.Dimensions[1] = run.Interners[1].Intern("linkedin".AsSpan());
                run.Outcomes.Add(run.Engine.Process(evt));
            }
        }

        var a = New();
        var sizes = new List<(int Size, long Evictions)>();
        foreach ((ulong Id, long Ms) e in steps)
        {
            sizes.Add((a.Engine.DedupSize, a.Engine.DedupEvictions));
            Feed(a, [e]);
        }
        Assert.True(a.Engine.DedupEvictions > 2000, $"evictions: {a.Engine.DedupEvictions}");
        int repeats = steps.Count - 4000, duplicates = a.Outcomes.Count(o => o == EventOutcome.Duplicate);
        Assert.True(duplicates > repeats / 5 && duplicates < repeats * 4 / 5, $"{duplicates} of {repeats} repeats were duplicates");

        // Cut just below the cap, at it, and right after an eviction.
        int[] cuts =
        [
            sizes.FindIndex(2000, s => s.Size == 1000),
            sizes.FindIndex(2000, s => s.Size == 1023),
            sizes.FindIndex(2000, s => s.Evictions > sizes[2000].Evictions),
        ];
        foreach (int cut in cuts)
        {
            Assert.True(cut > 0);
            var b = New();
            Feed(b, steps.Take(cut));
            var c = New(ShuffledInterners());
            Restore(b.Engine, c.Engine);
            Assert.Equal(b.Engine.DedupSize, c.Engine.DedupSize);
            Assert.Equal(b.Engine.DedupEvictions, c.Engine.DedupEvictions);
            Feed(c, steps.Skip(cut));
            Assert.Equal(a.Outcomes, b.Outcomes.Concat(c.Outcomes));
            Assert.Equal(a.Engine.DedupSize, c.Engine.DedupSize);
            Assert.Equal(a.Engine.DedupEvictions, c.Engine.DedupEvictions);
            Assert.True(c.Engine.DedupEvictions > b.Engine.DedupEvictions, "the restored set evicts at its cap");
        }
    }

    [Fact]
    public void ReadCheckpoint_SeveralSourcesReRegistered_HoldWatermarkUntilEachDelivers()
    {
        var b = new Run(Options());
        long t = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        FunnelEvent Click(Run run, long ms, int n)
        {
            var evt = new FunnelEvent { IdHash = (ulong)n * 0x9E3779B97F4A7C15UL, TimestampMs = ms, Stage = 1 };
            evt.Dimensions[0] = run.Interners[0].Intern("spring".AsSpan());
            return evt;
        }
        b.Engine.Process(Click(b, t + 60_000, 1), source: 0);
        b.Engine.Process(Click(b, t + 120_000, 2), source: 1);
        Assert.Equal(t + 60_000, b.Engine.Watermark);

        var c = new Run(Options(), ShuffledInterners());
        Restore(b.Engine, c.Engine);
        c.Engine.AddSource(0);
        c.Engine.AddSource(1);
        Assert.Equal(t + 60_000, c.Engine.Watermark);
        // An older event does not move it back; one source past it is not enough while the other holds it.
        Assert.Equal(EventOutcome.Counted, c.Engine.Process(Click(c, t + 30_000, 3), source: 0));
        Assert.Equal(t + 60_000, c.Engine.Watermark);
        c.Engine.Process(Click(c, t + 180_000, 4), source: 0);
        Assert.Equal(t + 60_000, c.Engine.Watermark);
        c.Engine.Process(Click(c, t + 150_000, 5), source: 1);
        Assert.Equal(t + 150_000, c.Engine.Watermark);
    }

    [Fact]
    public void ReadCheckpoint_SmallerDimensionBudget_FoldsSlotsKeepingTotals()
    {
        Step[] steps = Traffic.Value;
        var b = new Run(Options());
        b.Apply(steps.AsSpan(0, steps.Length / 2));
        var c = new Run(Options(), Funnel.Dimensions.Select(d => new DimensionInterner(d, 2)).ToArray());
        c.Engine.ReadCheckpoint(Section(b.Engine), c.Engine.CheckpointVersion);
        int deliveredBefore = b.Delivered.Count;

        Assert.True(c.Engine.SlotCount < b.Engine.SlotCount, $"slots {c.Engine.SlotCount} of {b.Engine.SlotCount}");
        Assert.Contains(Enumerable.Range(0, c.Engine.SlotCount), s => c.Engine.DimensionValue(s, 0) == DimensionInterner.OtherName);
        Assert.Equal(Totals(b.Engine.Counters), Totals(c.Engine.Counters));
        b.Engine.CloseAllWindows();
        c.Engine.CloseAllWindows();
        Assert.Equal(b.Engine.ClosedWindowCount, c.Engine.ClosedWindowCount);
        Assert.Equal(WindowTotals(b.Delivered.Skip(deliveredBefore)), WindowTotals(c.Delivered));

        static long[] Totals(CounterView v)
        {
            long[] sums = new long[2 * Funnel.Stages.Count + 1];
            for (int slot = 0; slot < v.SlotCount; slot++)
            {
                for (int s = 0; s < Funnel.Stages.Count; s++)
                {
                    sums[s] += v.Count(slot, s);
                    sums[Funnel.Stages.Count + s] += v.AmountMicros(slot, s);
                }
                sums[^1] += v.SpendMicros(slot);
            }
            return sums;
        }

        // Per window, the numbers of all its breakdowns added up.
        static List<string> WindowTotals(IEnumerable<string> delivered) => delivered.Select(line =>
        {
            string[] parts = line.Split(' ');
            long[]? sum = null;
            foreach (string row in parts.Skip(3))
            {
                long[] numbers = row[(row.IndexOf('=') + 1)..].Split(';', ',').Select(long.Parse).ToArray();
                sum ??= new long[numbers.Length];
                for (int i = 0; i < numbers.Length; i++)
                    sum[i] += numbers[i];
            }
            return $"{parts[0]} {parts[1]} {parts[2]} {string.Join(',', sum ?? [])}";
        }).ToList();
    }

    [Fact]
    public void ReadCheckpoint_TruncatedData_ThrowsInvalidData()
    {
        var b = new Run(Options());
        b.Apply(Traffic.Value.AsSpan(0, 3000));
        byte[] data = Section(b.Engine);
        var lengths = new SortedSet<int>(Enumerable.Range(0, 40).Select(k => (int)((long)data.Length * k / 40)).Concat([1, 3, 5, 9, data.Length - 1, data.Length - 12]));
        foreach (int length in lengths)
        {
            var c = new Run(Options());
            Assert.Throws<InvalidDataException>(() => c.Engine.ReadCheckpoint(data.AsSpan(0, length), c.Engine.CheckpointVersion));
        }
    }

    [Fact]
    public void ReadCheckpoint_CorruptData_ThrowsInvalidData()
    {
        var b = new Run(Options());
        b.Apply(Traffic.Value.AsSpan(0, 3000));
        byte[] data = Section(b.Engine);
        byte[] dedup = DedupSection(b.Engine);
        Assert.True(b.Engine.DedupSize > 2);

        void Refused(byte[] original, Action<byte[]> corrupt, string because)
        {
            byte[] copy = (byte[])original.Clone();
            corrupt(copy);
            var c = new Run(Options());
            c.Engine.ReadCheckpoint(data, c.Engine.CheckpointVersion);
            ICheckpointable part = original == data ? new Run(Options()).Engine : c.Engine.DedupState;
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => part.ReadCheckpoint(copy, part.CheckpointVersion));
            Assert.Contains(because, e.Message, StringComparison.Ordinal);
        }

        Refused(data, d => BitConverter.TryWriteBytes(d.AsSpan(0, 4), -1), "count of -1");
        Refused(data, d => BitConverter.TryWriteBytes(d.AsSpan(0, 4), int.MaxValue), "does not fit");
        // The last dedup entry (id hash, minute): a zero id, a negative minute, and the id of the entry before it.
        Refused(dedup, d => d.AsSpan(d.Length - 12, 8).Clear(), "is not valid");
        Refused(dedup, d => BitConverter.TryWriteBytes(d.AsSpan(d.Length - 4, 4), -5), "is not valid");
        Refused(dedup, d => d.AsSpan(d.Length - 24, 8).CopyTo(d.AsSpan(d.Length - 12, 8)), "appears twice");
        // The dedup table's capacity: too small for its ids, or not a power of two.
        const int capacityAt = 8;
        Refused(dedup, d => BitConverter.TryWriteBytes(d.AsSpan(capacityAt, 4), 1024), "is not valid");
        Refused(dedup, d => BitConverter.TryWriteBytes(d.AsSpan(capacityAt, 4), 100_000), "is not valid");
        Refused(dedup, d => BitConverter.TryWriteBytes(d.AsSpan(capacityAt + 4, 4), -1), "count of -1");

        var trailing = new Run(Options());
        InvalidDataException extra = Assert.Throws<InvalidDataException>(() => trailing.Engine.ReadCheckpoint([.. data, 0], trailing.Engine.CheckpointVersion));
        Assert.Contains("unexpected bytes", extra.Message, StringComparison.Ordinal);
        var trailingDedup = new Run(Options());
        extra = Assert.Throws<InvalidDataException>(() => trailingDedup.Engine.DedupState.ReadCheckpoint([.. dedup, 0], 1));
        Assert.Contains("unexpected bytes after the dedup set", extra.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCheckpoint_UnknownVersion_ThrowsInvalidData()
    {
        var b = new Run(Options());
        b.Apply(Traffic.Value.AsSpan(0, 500));
        var c = new Run(Options());
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => c.Engine.ReadCheckpoint(Section(b.Engine), 3));
        Assert.Contains("format 3", e.Message, StringComparison.Ordinal);
        InvalidDataException d = Assert.Throws<InvalidDataException>(() => c.Engine.DedupState.ReadCheckpoint(DedupSection(b.Engine), 2));
        Assert.Contains("dedup checkpoint format 2", d.Message, StringComparison.Ordinal);
        // Refused before anything was restored: the engine is still new.
        StateCheckpoint.Restore(Checkpoint(b.Engine, 0), Parts(c.Engine));
        Assert.Equal(b.State(), c.State());
    }

    [Fact]
    public void ReadCheckpoint_OtherConfiguration_ThrowsNamingWhatDiffers()
    {
        var b = new Run(Options());
        b.Apply(Traffic.Value.AsSpan(0, 500));
        byte[] data = Section(b.Engine);

        string Refusal(Run c) => Assert.Throws<InvalidDataException>(() => c.Engine.ReadCheckpoint(data, c.Engine.CheckpointVersion)).Message;

        string windows = Refusal(new Run(Options(windows: [Minute, TimeSpan.FromHours(1)])));
        Assert.Contains("window sizes [00:01:00, 00:10:00, 01:00:00], configured now [00:01:00, 01:00:00]", windows, StringComparison.Ordinal);
        Assert.Contains("start from fresh state", windows, StringComparison.Ordinal);

        string lateness = Refusal(new Run(Options(lateness: TimeSpan.FromMinutes(10))));
        Assert.Contains("allowed lateness 00:05:00, configured now 00:10:00", lateness, StringComparison.Ordinal);

        var wider = new FunnelDefinition(
            ["impression", "click", "lead", "mql", "sql", "opportunity", "won"], ["lost", "renewal", "expansion", "churn"], ["campaign", "channel", "source"]);
        string dimensions = Refusal(new Run(Options(), funnel: wider));
        Assert.Contains("dimensions [campaign, channel], configured now [campaign, channel, source]", dimensions, StringComparison.Ordinal);

        var shorter = new FunnelDefinition(["impression", "click", "lead", "won"], ["lost"], ["campaign", "channel"]);
        string stages = Refusal(new Run(Options(), funnel: shorter));
        Assert.Contains("stages [impression, click, lead, mql", stages, StringComparison.Ordinal);
        Assert.Contains("configured now [impression, click, lead, won, lost, spend]", stages, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCheckpoint_UsedEngine_ThrowsInvalidOperation()
    {
        var b = new Run(Options());
        b.Apply(Traffic.Value.AsSpan(0, 500));
        byte[] data = Section(b.Engine);

        var used = new Run(Options());
        used.Apply(Traffic.Value.AsSpan(0, 10));
        Assert.Throws<InvalidOperationException>(() => used.Engine.ReadCheckpoint(data, 2));
        Assert.Throws<InvalidOperationException>(() => used.Engine.DedupState.ReadCheckpoint(DedupSection(b.Engine), 1));

        var twice = new Run(Options());
        Restore(new Run(Options()).Engine, twice.Engine); // an empty engine's checkpoint
        Assert.Throws<InvalidOperationException>(() => twice.Engine.ReadCheckpoint(data, 2));
        Assert.Throws<InvalidOperationException>(() => twice.Engine.DedupState.ReadCheckpoint(DedupSection(b.Engine), 1));

        // Between the engine's section and its dedup set, an event: the dedup set is no longer the one written with it.
        var between = new Run(Options());
        between.Engine.ReadCheckpoint(data, 2);
        between.Apply(Traffic.Value.AsSpan(500, 10));
        Assert.Throws<InvalidOperationException>(() => between.Engine.DedupState.ReadCheckpoint(DedupSection(b.Engine), 1));
    }
}
