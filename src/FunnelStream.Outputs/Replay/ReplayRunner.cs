using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Kpis;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;

namespace FunnelStream.Outputs.Replay;

/// <summary>
/// Runs a newline-delimited JSON file through the same parser and engine as the live worker, in
/// event time, closes every window at the end, and writes the results (the replay contract of the
/// README). Two passes over the input: the first finds the newest valid <c>ts</c>, because replay
/// measures the maximum age from it instead of from the current time (spec/events.md, "Age").
/// </summary>
public static class ReplayRunner
{
    /// <summary>Replays <paramref name="input"/> (copied to memory first if it cannot seek) into <paramref name="output"/>.</summary>
    public static ReplaySummary Run(Stream input, TextWriter output, ReplayOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        if (!input.CanSeek)
        {
            var copy = new MemoryStream();
            input.CopyTo(copy);
            copy.Position = 0;
            input = copy;
        }

        if (options.SpendRestatements && !(options.By.Contains("campaign") && options.By.Contains("channel")))
            throw new ArgumentException("--by: must include campaign and channel while FunnelStream:Events:SpendRestatements is true (a restatement replaces the figure of its campaign, channel and day)");
        FunnelDefinition funnel = new(
            options.Funnel.Stages.Take(options.Funnel.OrderedCount),
            options.Funnel.Stages.Skip(options.Funnel.OrderedCount).Where(s => s != FunnelDefinition.SpendStageName),
            options.By);
        DimensionInterner[] interners = funnel.Dimensions.Select(d => new DimensionInterner(d, options.MaxValuesByDimension.GetValueOrDefault(d, options.MaxValuesPerDimension))).ToArray();
        var parser = new EventParser(funnel, options.Parser, interners);
        long nowMs = (options.Now ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();

        // Pass 1: the newest ts among events that are otherwise valid. An age reference far in the
        // past switches the age check off (an event is too old when ts < reference - MaxAge).
        long start = input.Position;
        parser.SetClock(nowMs, long.MinValue / 2);
        long newest = long.MinValue;
        var reader = new Utf8LineReader(input);
        while (reader.TryReadLine(out ReadOnlySpan<byte> line))
        {
            if (!line.IsEmpty && parser.Parse(line, out FunnelEvent e) == RejectReason.None)
                newest = Math.Max(newest, e.TimestampMs);
        }

        // Pass 2: count. Interning restarts so that ids follow the order of the real pass.
        input.Position = start;
        interners = funnel.Dimensions.Select(d => new DimensionInterner(d, options.MaxValuesByDimension.GetValueOrDefault(d, options.MaxValuesPerDimension))).ToArray();
        parser = new EventParser(funnel, options.Parser, interners);
        parser.SetClock(nowMs, newest == long.MinValue ? nowMs : newest);
        // Sales velocity divides by the mean cycle of the journeys won in each window and breakdown,
        // measured by the journey store unless the caller brings its own source.
        SalesCycleTracker? cycles = options.Journeys is not null && options.SalesCycle is null
            ? new SalesCycleTracker([options.Window], options.AllowedLateness)
            : null;
        var writer = new ReplayWindowWriter(output, options.Format, new WindowMetrics(funnel, options.Kpis), options.SalesCycle ?? cycles?.Windows);
        JourneyStore? journeys = options.Journeys is null ? null : new JourneyStore(funnel, ForReplay(options.Journeys, options.AllowedLateness), cycles);
        // The leakage detector reads closed windows that divide its evaluation interval; when the
        // output's window does not, the interval itself is added as a second size, hidden from the output.
        bool extraWindow = options.Leakage is not null && options.Leakage.SourceWindow([options.Window]) is null;
        var engine = new FunnelEngine(funnel, new EngineOptions
        {
            WindowSizes = extraWindow ? [options.Window, options.Leakage!.EvaluationInterval] : [options.Window],
            AllowedLateness = options.AllowedLateness,
            DedupHorizon = options.DedupHorizon,
            SpendRestatements = options.SpendRestatements,
        }, interners, extraWindow ? new WindowSizeFilter(writer, (long)options.Window.TotalMilliseconds) : writer, journeys);
        cycles?.UseSlotNames(engine);
        if (options.Leakage is not null)
            LeakageDetector.Attach(engine, options.Leakage, options.Alerts);
        long firstMs = long.MaxValue, lastMs = long.MinValue;
        var summary = new ReplaySummary();
        reader = new Utf8LineReader(input);
        while (reader.TryReadLine(out ReadOnlySpan<byte> line))
        {
            if (line.IsEmpty)
                continue;
            summary.Lines++;
            RejectReason reason = parser.Parse(line, out FunnelEvent e);
            if (reason == RejectReason.None)
            {
                switch (engine.Process(e))
                {
                    case EventOutcome.Counted:
                        summary.Counted++;
                        firstMs = Math.Min(firstMs, e.TimestampMs);
                        lastMs = Math.Max(lastMs, e.TimestampMs);
                        continue;
                    case EventOutcome.Duplicate: summary.Duplicates++; continue;
                    default: reason = RejectReason.Late; break;
                }
            }
            summary.Rejected[reason] = summary.Rejected.GetValueOrDefault(reason) + 1;
        }
        engine.CloseAllWindows();
        summary.Windows = writer.Windows;
        if (engine.Journeys is JourneySnapshot snapshot && summary.Counted > 0)
        {
            // The summary group spans the windows written: from the first one's start to the last one's end.
            long size = (long)options.Window.TotalMilliseconds;
            long spanStart = firstMs - ((firstMs % size + size) % size);
            long spanEnd = lastMs - ((lastMs % size + size) % size) + size;
            new ReplayJourneyWriter(output, options.Format, funnel).Write(snapshot, spanStart, spanEnd);
        }
        output.Flush();
        return summary;
    }

    /// <summary><paramref name="configured"/> with the replay's lateness and every cohort kept until the end.</summary>
    private static JourneyOptions ForReplay(JourneyOptions configured, TimeSpan allowedLateness) => new()
    {
        ConversionWindow = configured.ConversionWindow,
        MaxJourneys = configured.MaxJourneys,
        StageSla = configured.StageSla,
        CohortSize = configured.CohortSize,
        TimeToConvertBucketsSeconds = configured.TimeToConvertBucketsSeconds,
        SalesCycleBucketsSeconds = configured.SalesCycleBucketsSeconds,
        LeadStage = configured.LeadStage,
        WonStage = configured.WonStage,
        ClosedStages = configured.ClosedStages,
        AllowedLateness = allowedLateness,
        ScanInterval = configured.ScanInterval,
        Maturity = configured.Maturity,
        MaturityMinSamples = configured.MaturityMinSamples,
        CohortRetention = TimeSpan.FromDays(365 * 200),
    };
}
