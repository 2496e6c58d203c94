using FunnelStream.Engine;
using FunnelStream.Outputs.Topics;

namespace FunnelStream.Kafka.Output;

/// <summary>
/// Every <c>interval</c> (processing time), publishes one <c>funnel.kpis.rolling</c> record per
/// rolling window: the stage counts over the window ending at the newest event time, read
/// lock-free from the engine. Nothing is published before the first event.
/// </summary>
public sealed class RollingSnapshotPublisher(FunnelEngine engine, IReadOnlyList<TimeSpan> windows, OutputPublisher publisher, int topic, TimeSpan interval, TimeProvider time)
{
    /// <summary>The <see cref="OutputPublisher.SchemaHeader"/> value of rolling records.</summary>
    public static readonly string Schema = $"funnelstream.kpi.rolling/{KpiRecordSchema.Rolling}";

    private readonly RollingRecordEncoder _encoder = new(engine.Funnel);

    /// <summary>Publishes until <paramref name="stop"/> fires.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                PublishOnce();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Publishes one snapshot now; returns the number of records.</summary>
    public int PublishOnce()
    {
        long newest = engine.NewestEventTimeMs;
        if (newest == long.MinValue)
            return 0;
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // The rolling ring is per minute: the window ends with the minute holding the newest event.
        long end = newest - (newest % 60_000) + 60_000;
        var perStage = new long[engine.Funnel.Stages.Count];
        foreach (TimeSpan window in windows)
        {
            engine.SumRolling(newest, window, perStage);
            publisher.Publish(topic, _encoder.Key(window), _encoder.Value(window, end, now, perStage), Schema);
        }
        return windows.Count;
    }
}
