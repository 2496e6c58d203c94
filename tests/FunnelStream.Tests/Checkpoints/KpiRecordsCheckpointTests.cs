using System.Buffers;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.Kpis;
using FunnelStream.Events;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// Checkpoints of the KPI record outputs (issue 6): <see cref="KpiWindowRecords"/> (section
/// <c>kpi-records</c>) and, in merge mode, <see cref="PartialWindowReports"/> (<c>kpi-partials</c>).
/// A sink only sees the windows its engine closes or flushes, and the engine's own checkpoint is not
/// part of this test, so the restored sink is fed by a second engine, built with other interners, that
/// runs the same script of events and processing times: it hands the sink the same windows in the same
/// order as the first, and the restored sink takes them from the cut on, as it would from a restored
/// engine. The interrupted sink runs on past its checkpoint to a crash, so the records it published
/// after the checkpoint are the ones the restored sink publishes again.
/// </summary>
public class KpiRecordsCheckpointTests
{
    private static readonly FunnelDefinition Funnel = FunnelDefinition.Default;
    private static readonly long T0 = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly record struct Step(long ProcessingMs, long EventMs, int Stage, string Campaign, string Channel, long CostMicros, long AmountMicros);

    /// <summary>
    /// 90 min of traffic in bursts with quiet gaps longer than the idle timeout (provisional flushes),
    /// with events up to 3 min behind the newest (revisions of flushed windows, and some too late).
    /// </summary>
    private static List<Step> Script(int seed)
    {
        var random = new Random(seed);
        string[] campaigns = ["spring", "summer", "autumn"];
        string[] channels = ["linkedin", "google"];
        int[] stages = [Funnel.IndexOf("impression"), Funnel.IndexOf("click"), Funnel.IndexOf("lead"), Funnel.IndexOf("won")];
        var steps = new List<Step>();
        long now = T0;
        while (now < T0 + 90 * 60_000)
        {
            if (random.Next(4) == 0)
            {
                now += random.Next(40_000, 150_000); // quiet: the idle timeout passes
                steps.Add(new Step(now, long.MinValue, 0, "", "", 0, 0));
                continue;
            }
            for (int i = random.Next(1, 12); i > 0; i--)
            {
                now += random.Next(100, 4_000);
                int stage = stages[random.Next(stages.Length)];
                steps.Add(new Step(now, now - random.Next(0, 180_000), stage, campaigns[random.Next(campaigns.Length)], channels[random.Next(channels.Length)],
                    random.Next(3) == 0 ? random.Next(0, 5_000_000) : 0, stage == stages[3] ? random.Next(1, 90_000_000) : 0));
            }
        }
        return steps;
    }

    /// <summary>Forwards the windows numbered [from, to) of its engine's deliveries to a sink; calls <c>AtCut</c> before delivery <c>cut</c>.</summary>
    private sealed class Gate(IProvisionalWindowSink? inner, int from, int to, int cut = -1, Action? atCut = null) : IProvisionalWindowSink
    {
        private int _index;

        public void OnWindowClosed(ClosedWindow window) => Deliver(window, flushed: false);

        public void OnWindowFlushed(ClosedWindow window) => Deliver(window, flushed: true);

        private void Deliver(ClosedWindow window, bool flushed)
        {
            if (_index == cut)
                atCut!();
            if (_index >= from && _index < to && inner is not null)
            {
                if (flushed)
                    inner.OnWindowFlushed(window);
                else
                    inner.OnWindowClosed(window);
            }
            _index++;
        }

        public int Deliveries => _index;
    }

    /// <summary>Calls <c>before</c> for every window, and does nothing else.</summary>
    private sealed class Probe(Action before) : IProvisionalWindowSink
    {
        public void OnWindowClosed(ClosedWindow window) => before();

        public void OnWindowFlushed(ClosedWindow window) => before();
    }

    /// <summary>Sends every window to both sinks.</summary>
    private sealed class Tee(IProvisionalWindowSink first, IProvisionalWindowSink second) : IProvisionalWindowSink
    {
        public void OnWindowClosed(ClosedWindow window)
        {
            first.OnWindowClosed(window);
            second.OnWindowClosed(window);
        }

        public void OnWindowFlushed(ClosedWindow window)
        {
            first.OnWindowFlushed(window);
            second.OnWindowFlushed(window);
        }
    }

    private sealed class Target : IKpiRecordTarget
    {
        public List<string> Records { get; } = [];

        public List<KpiRecord> Raw { get; } = [];

        public void Publish(KpiRecord record)
        {
            Raw.Add(record);
            Records.Add($"{Encoding.UTF8.GetString(record.Key)} rev {record.Revision} {Encoding.UTF8.GetString(record.Value)}");
        }
    }

    /// <summary>Runs <paramref name="script"/> through an engine (1 and 5 min windows, 2 min lateness, 30 s idle timeout) whose sink is <paramref name="sink"/>.</summary>
    private static void Drive(List<Step> script, IProvisionalWindowSink sink, IEnumerable<string>? firstCampaigns = null, Func<bool>? stopWhen = null)
    {
        DimensionInterner[] interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        foreach (string c in firstCampaigns ?? [])
            interners[0].Intern(c);
        var engine = new FunnelEngine(Funnel, new EngineOptions
        {
            WindowSizes = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)],
            AllowedLateness = TimeSpan.FromMinutes(2),
            IdleSourceTimeout = TimeSpan.FromSeconds(30),
            DedupMaxEntries = 100_000,
        }, interners, sink);
        engine.AddSource(0);
        int id = 0;
        foreach (Step s in script)
        {
            if (s.EventMs != long.MinValue)
            {
                var e = new FunnelEvent
                {
                    TimestampMs = s.EventMs,
                    IdHash = StableHash.Hash(Encoding.UTF8.GetBytes($"e-{id++}")),
                    Stage = (byte)s.Stage,
                    CostMicros = s.CostMicros,
                    AmountMicros = s.AmountMicros,
                };
                e.Dimensions[0] = interners[0].Intern(s.Campaign);
                e.Dimensions[1] = interners[1].Intern(s.Channel);
                engine.Process(e);
            }
            engine.SetProcessingTime(s.ProcessingMs);
            if (stopWhen?.Invoke() == true)
                return;
        }
        engine.CloseAllWindows();
    }

    private static KpiWindowRecords Records(Target target, FunnelDefinition? funnel = null) =>
        new(new WindowMetrics(funnel ?? Funnel), "USD", target);

    private static byte[] Checkpoint(string name, ICheckpointable part)
    {
        using var buffer = new CheckpointBuffer();
        StateCheckpoint.Write(buffer, [new InputOffset("funnel.events", 0, 7)], [new(name, part)]);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Restore(byte[] checkpoint, string name, ICheckpointable part) => StateCheckpoint.Restore(checkpoint, [new(name, part)]);

    /// <summary>
    /// Runs the uninterrupted sink and, per cut, the interrupted one (checkpointed before delivery
    /// <c>cut</c>, crashing before delivery <c>cut + lost</c>) and the restored one (deliveries from <c>cut</c> on).
    /// </summary>
    private static void AssertRestoredContinuesExactly<TSink>(Func<Target, bool, TSink> create, string section, int seed, Action<TSink, TSink>? afterRestore = null,
        Action<Target, Target, Target>? perCut = null)
        where TSink : IProvisionalWindowSink, ICheckpointable
    {
        List<Step> script = Script(seed);
        var all = new Target();
        TSink uninterrupted = create(all, false);
        // Before each delivery, how much state the sink holds: the cuts that matter fall where it holds some.
        var sizes = new List<int>();
        var buffer = new ArrayBufferWriter<byte>();
        Drive(script, new Tee(new Probe(() =>
        {
            buffer.Clear();
            uninterrupted.WriteCheckpoint(buffer);
            sizes.Add(buffer.WrittenCount);
        }), uninterrupted));
        int deliveries = sizes.Count;
        int[] holding = Enumerable.Range(0, deliveries).Where(i => sizes[i] > sizes[0]).ToArray();
        Assert.True(holding.Length >= 20, $"{holding.Length} deliveries with pending state");
        Assert.True(all.Records.Count(r => !r.Contains(" rev 0 ", StringComparison.Ordinal)) >= 10, "the script makes revisions");
        Assert.True(deliveries >= 100, $"{deliveries} deliveries");

        int[] cuts = [0, 1, .. Enumerable.Range(0, 20).Select(k => holding[k * holding.Length / 20]), deliveries - 1, deliveries];
        foreach (int cut in cuts)
        {
            int lost = Math.Min(5, deliveries - cut);
            var before = new Target();
            TSink interrupted = create(before, false);
            byte[]? checkpoint = null;
            int atCheckpoint = 0;
            var gate = new Gate(interrupted, 0, cut + lost, cut, () =>
            {
                checkpoint = Checkpoint(section, interrupted);
                atCheckpoint = before.Records.Count;
            });
            Drive(script, gate);
            if (cut == deliveries)
            {
                checkpoint = Checkpoint(section, interrupted);
                atCheckpoint = before.Records.Count;
            }

            var after = new Target();
            TSink restored = create(after, true);
            Restore(checkpoint!, section, restored);
            afterRestore?.Invoke(interrupted, restored);
            Drive(script, new Gate(restored, cut, int.MaxValue), firstCampaigns: ["winter", "autumn", "summer", "spring"]);

            // Before the crash, then everything again from the checkpoint on: the same records.
            Assert.Equal(all.Records, before.Records.Take(atCheckpoint).Concat(after.Records));
            // What the interrupted sink published after its checkpoint is published again, identical.
            Assert.Equal(before.Records.Skip(atCheckpoint), after.Records.Take(before.Records.Count - atCheckpoint));
            perCut?.Invoke(all, before, after);
        }
    }

    [Fact]
    public void KpiWindowRecords_RestoredMidStream_ContinuesExactlyAsUninterrupted()
    {
        foreach (int seed in new[] { 1, 2, 3 })
            AssertRestoredContinuesExactly((t, _) => Records(t), "kpi-records", seed);
    }

    [Fact]
    public void PartialWindowReports_RestoredMidStream_ContinuesExactlyAsUninterrupted()
    {
        // The restarted process starts with an id of its own; the checkpoint brings back the crashed one's.
        foreach (int seed in new[] { 1, 2 })
        {
            AssertRestoredContinuesExactly((t, restarted) => new PartialWindowReports(Funnel, restarted ? "restarted-run" : "first-run", t), "kpi-partials", seed,
                (interrupted, restored) => Assert.Equal("first-run", restored.Instance));
        }
    }

    [Fact]
    public void KpiMergePartition_ReportsOfARestoredInstanceAfterACrash_MergesAsUninterrupted()
    {
        // What funnel.kpis.partials holds after a crash: the crashed run's reports (some after its
        // checkpoint), then the restored run's from the checkpoint on (repeating those). The merger
        // must publish the same records as from the uninterrupted run's reports.
        var codec = new PartialRecordCodec(Funnel);
        (string, int)[] inputs = [("funnel.events", 0)];
        List<string> Merge(IEnumerable<KpiRecord> reports)
        {
            var output = new Target();
            var merge = new KpiMergePartition(new WindowMetrics(Funnel), "USD", inputs, output);
            foreach (KpiRecord r in reports)
                merge.Apply(codec.Decode(r.Value));
            merge.Apply(new PartialProgress("first-run", inputs, long.MaxValue, long.MaxValue));
            return output.Records;
        }

        int cuts = 0;
        AssertRestoredContinuesExactly((t, restarted) => new PartialWindowReports(Funnel, restarted ? "restarted-run" : "first-run", t), "kpi-partials", 3,
            perCut: (all, before, after) =>
            {
                List<string> expected = Merge(all.Raw);
                Assert.NotEmpty(expected);
                Assert.Equal(expected, Merge(before.Raw.Concat(after.Raw)));
                cuts++;
            });
        Assert.True(cuts >= 20);
    }

    private static byte[] MidStreamSection(out KpiWindowRecords sink)
    {
        var target = new Target();
        sink = Records(target);
        List<Step> script = Script(1);
        KpiWindowRecords s = sink;
        Drive(script, new Gate(s, 0, int.MaxValue), stopWhen: () => s.Pending >= 3);
        Assert.True(sink.Pending > 0, "provisional records await revisions");
        var buffer = new ArrayBufferWriter<byte>();
        sink.WriteCheckpoint(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void KpiWindowRecordsReadCheckpoint_TruncatedOrCorrupt_ThrowsInvalidDataExceptionAndStaysFresh()
    {
        byte[] section = MidStreamSection(out KpiWindowRecords source);
        for (int length = 0; length < section.Length; length++)
        {
            KpiWindowRecords fresh = Records(new Target());
            Assert.Throws<InvalidDataException>(() => fresh.ReadCheckpoint(section.AsSpan(0, length), 1));
            Assert.Equal(0, fresh.Pending);
        }
        Assert.Throws<InvalidDataException>(() => Records(new Target()).ReadCheckpoint([.. section, 1], 1));
        // A negative pending count where the count of keys is.
        int countAt = 4 + Encoding.UTF8.GetByteCount(string.Join(",", Funnel.Stages)) + 4 + Encoding.UTF8.GetByteCount(string.Join(",", Funnel.Dimensions)) + 8;
        byte[] bad = (byte[])section.Clone();
        bad.AsSpan(countAt, 4).Fill(0xFF);
        Assert.Throws<InvalidDataException>(() => Records(new Target()).ReadCheckpoint(bad, 1));

        KpiWindowRecords restored = Records(new Target());
        restored.ReadCheckpoint(section, 1);
        Assert.Equal(source.Pending, restored.Pending);
        Assert.Equal(source.Published, restored.Published);
    }

    [Fact]
    public void KpiWindowRecordsReadCheckpoint_UnknownVersion_ThrowsInvalidDataException()
    {
        byte[] section = MidStreamSection(out _);
        var e = Assert.Throws<InvalidDataException>(() => Records(new Target()).ReadCheckpoint(section, 2));
        Assert.Contains("format 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KpiWindowRecordsRestore_OtherFunnel_ThrowsNamingWhatDiffers()
    {
        MidStreamSection(out KpiWindowRecords source);
        byte[] checkpoint = Checkpoint("kpi-records", source);
        var other = new FunnelDefinition(["impression", "click", "lead", "mql", "sql", "opportunity", "won"], ["lost", "renewal", "expansion", "churn"], ["campaign", "channel", "source"]);

        var e = Assert.Throws<InvalidDataException>(() => Restore(checkpoint, "kpi-records", Records(new Target(), other)));
        Assert.Contains("section 'kpi-records'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dimensions 'campaign,channel'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dimensions 'campaign,channel,source'", e.Message, StringComparison.Ordinal);
        Assert.Contains("start from fresh state", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KpiWindowRecordsReadCheckpoint_SinkAlreadyPublished_ThrowsInvalidOperationException()
    {
        byte[] section = MidStreamSection(out KpiWindowRecords used);
        Assert.Throws<InvalidOperationException>(() => used.ReadCheckpoint(section, 1));
        KpiWindowRecords restored = Records(new Target());
        restored.ReadCheckpoint(section, 1);
        Assert.Throws<InvalidOperationException>(() => restored.ReadCheckpoint(section, 1));
    }

    [Fact]
    public void PartialWindowReportsReadCheckpoint_CorruptVersionOrUsed_Throws()
    {
        var reporter = new PartialWindowReports(Funnel, "first", new Target());
        List<Step> script = Script(1);
        var own = new ArrayBufferWriter<byte>();
        Drive(script, reporter, stopWhen: () =>
        {
            own.Clear();
            reporter.WriteCheckpoint(own);
            return own.WrittenCount > 4 + 4 + "first".Length + 2 * 24;
        });
        byte[] section = Checkpoint("kpi-partials", reporter);
        Assert.True(own.WrittenCount > 4 + 4 + "first".Length + 2 * 24, "windows await their final report");
        byte[] ownBytes = own.WrittenSpan.ToArray();

        for (int length = 0; length < ownBytes.Length; length++)
            Assert.Throws<InvalidDataException>(() => new PartialWindowReports(Funnel, "second", new Target()).ReadCheckpoint(ownBytes.AsSpan(0, length), 1));
        Assert.Throws<InvalidDataException>(() => new PartialWindowReports(Funnel, "second", new Target()).ReadCheckpoint(ownBytes, 2));
        Assert.Throws<InvalidOperationException>(() => reporter.ReadCheckpoint(ownBytes, 1));

        var restored = new PartialWindowReports(Funnel, "second", new Target());
        Restore(section, "kpi-partials", restored);
        Assert.Equal("first", restored.Instance);
        Assert.Throws<InvalidOperationException>(() => restored.ReadCheckpoint(ownBytes, 1));
    }
}
