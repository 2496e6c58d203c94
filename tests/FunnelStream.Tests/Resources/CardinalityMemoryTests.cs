using System.Diagnostics;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;
using Xunit.Abstractions;

namespace FunnelStream.Tests.Resources;

/// <summary>
/// Bounded resources (issue 6): distinct campaign values streaming in through the parser and the
/// instance's one engine (with a window sink and the leakage detector attached, as the worker wires
/// them; minus Kafka) fold into <c>other</c> past the dimension budget, so the interner, the
/// breakdown slots, the counters and the closed windows stay bounded, and the process's memory
/// grows by less than a stated bound.
/// </summary>
/// <remarks>
/// The suite streams 100,000 distinct values. The issue's measurement (1,000,000) runs with
/// <c>FUNNELSTREAM_CARDINALITY_VALUES=1000000 dotnet test tests/FunnelStream.Tests -c Release --filter CardinalityMemoryTests</c>;
/// the figures are in docs/reliability.md. Ported from feat/reliability (3b928d9), which measured a per-partition engine.
/// </remarks>
public sealed class CardinalityMemoryTests(ITestOutputHelper output)
{
    private const int Budget = 1000;
    // The stated bound on memory growth while the values stream in: the dedup set at its cap
    // dominates; values themselves must add nothing past the budget.
    private const long GrowthBoundBytes = 256L * 1024 * 1024;

    [Fact]
    public void Process_DistinctCampaignsBeyondBudget_FoldIntoOtherAndMemoryStaysBounded()
    {
        int values = int.TryParse(Environment.GetEnvironmentVariable("FUNNELSTREAM_CARDINALITY_VALUES"), out int v) ? v : 100_000;
        FunnelDefinition funnel = FunnelDefinition.Default;
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, Budget)).ToArray();
        var parser = new EventParser(funnel, new EventParserOptions(), interners);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        parser.SetClock(now, now);
        var sink = new CountingWindowSink();
        // Dedup capped low so the test measures what the values add, not a 4,000,000-id table.
        var engine = new FunnelEngine(funnel, new EngineOptions { DedupMaxEntries = 200_000 }, interners, sink);
        LeakageDetector.Attach(engine, new LeakageOptions(), sink: null);
        engine.AddSource(0);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        long peakRss = rssBefore;
        var record = new byte[256];
        // Two hours of event time, so 1-minute windows close (and go to the sink) while the values stream in.
        long start = now - 3 * 3_600_000L;
        long step = Math.Max(1, 2 * 3_600_000L / values);
        for (int i = 0; i < values; i++)
        {
            int length = Encoding.UTF8.GetBytes(
                $"{{\"id\":\"e-{i}\",\"type\":\"click\",\"ts\":{start + i * step},\"campaign\":\"campaign-{i}\",\"channel\":\"ch-{i % 7}\",\"cost\":0.5}}", record);
            Assert.Equal(RejectReason.None, parser.Parse(record.AsSpan(0, length), out FunnelEvent evt));
            Assert.Equal(EventOutcome.Counted, engine.Process(evt, 0));
            if (i % 50_000 == 0)
            {
                engine.SetProcessingTime(now);
                peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64);
            }
        }
        engine.SetProcessingTime(now);
        peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64);
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        output.WriteLine($"{values:N0} distinct campaigns: interner {interners[0].Count} ids, {engine.SlotCount} slots, folded {interners[0].FoldedCount:N0}; " +
            $"{sink.Windows} windows closed (at most {sink.MaxSlots} slots); " +
            $"managed heap +{(heapAfter - heapBefore) / 1048576.0:0.0} MiB; RSS {rssBefore / 1048576.0:0} -> peak {peakRss / 1048576.0:0} MiB");
        Assert.Equal(Budget + 2, interners[0].Count); // unknown, other, and the budget
        Assert.Equal(values - Budget, interners[0].FoldedCount);
        Assert.True(engine.SlotCount <= (Budget + 2) * 7, $"{engine.SlotCount} slots");
        Assert.True(sink.Windows > 0, "no window closed: the sink was not exercised");
        Assert.True(sink.MaxSlots <= (Budget + 2) * 7, $"a closed window carried {sink.MaxSlots} slots");
        long counted = 0;
        CounterView view = engine.Counters;
        for (int slot = 0; slot < view.SlotCount; slot++)
            counted += view.Count(slot, funnel.IndexOf("click"));
        Assert.Equal(values, counted);
        Assert.True(heapAfter - heapBefore < GrowthBoundBytes, $"managed heap grew {heapAfter - heapBefore:N0} bytes");
        Assert.True(peakRss - rssBefore < GrowthBoundBytes, $"RSS grew {peakRss - rssBefore:N0} bytes");
    }
}
