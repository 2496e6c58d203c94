using System.Buffers;
using System.Text;
using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Events;
using FunnelStream.Metrics;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// An entry cohort is exported with <c>mature="false"</c> while journeys may still convert, and under
/// <c>mature="true"</c> (only) once the conversion window has passed the watermark minus the lateness.
/// </summary>
public sealed class Metrics_JourneyCohortTurnsMature
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly FunnelEngine _engine;
    private readonly MetricsRegistry _registry = new();
    private int _id;

    public Metrics_JourneyCohortTurnsMature()
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        var journeys = new JourneyOptions { ConversionWindow = TimeSpan.FromHours(1), CohortSize = TimeSpan.FromHours(1), ScanInterval = TimeSpan.Zero };
        _engine = new FunnelEngine(funnel, new EngineOptions(), funnel.Dimensions.Select(d => new DimensionInterner(d, 10)).ToArray(),
            sink: null, journeys: new JourneyStore(funnel, journeys));
        _registry.Register(new JourneyMetricsCollector(_engine, journeys));
    }

    private void Process(string stage, DateTimeOffset ts, string? journey) => _engine.Process(new FunnelEvent
    {
        TimestampMs = ts.ToUnixTimeMilliseconds(),
        IdHash = (ulong)++_id,
        JourneyHash = journey is null ? 0 : StableHash.Hash(Encoding.UTF8.GetBytes(journey)),
        Stage = (byte)FunnelDefinition.Default.IndexOf(stage),
    });

    private ScrapedMetrics Scrape()
    {
        var output = new ArrayBufferWriter<byte>();
        _registry.WriteTo(output, ExpositionFormat.PrometheusText004);
        return new ScrapedMetrics(Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Cohort_WindowPasses_LabelTurnsMature()
    {
        (string, string)[] cohort = [("from", "click"), ("to", "lead"), ("cohort", "2026-03-02T10:00:00Z")];
        Process("click", T0, "v-1");
        Process("click", T0.AddMinutes(1), "v-2");
        Process("lead", T0.AddMinutes(2), "v-1");
        Process("impression", T0.AddMinutes(30), null);

        ScrapedMetrics young = Scrape();
        Assert.Equal(2, young.Value("funnel_journey_cohort_entered", [.. cohort, ("mature", "false")]));
        Assert.Equal(0.5, young.Value("funnel_journey_conversion_ratio", [.. cohort, ("mature", "false")]));
        Assert.Null(young.Value("funnel_journey_conversion_ratio", [.. cohort, ("mature", "true")]));

        // Cohort end 11:00 + 1 h window = 12:00 <= watermark 12:05 - 5 min lateness: final.
        Process("impression", T0.AddHours(2).AddMinutes(5), null);

        ScrapedMetrics old = Scrape();
        Assert.Equal(0.5, old.Value("funnel_journey_conversion_ratio", [.. cohort, ("mature", "true")]));
        Assert.Equal(1, old.Value("funnel_journey_cohort_converted", [.. cohort, ("mature", "true")]));
        Assert.Null(old.Value("funnel_journey_conversion_ratio", [.. cohort, ("mature", "false")]));
        Assert.Equal(T0.AddHours(2).AddMinutes(5).ToUnixTimeSeconds(), old.Value("funnel_journey_snapshot_timestamp_seconds"));
    }
}
