namespace FunnelStream.Engine;

/// <summary>Settings of the <see cref="FunnelEngine"/>. Plain values: the host binds and validates them.</summary>
/// <remarks>
/// Defaults: windows of 1 min and 1 h, allowed lateness 5 min, dedup horizon 24 h with at most
/// 4,000,000 remembered ids, rolling conversion windows of 5 min, 1 h and 24 h, idle-source timeout 30 s.
/// </remarks>
public sealed class EngineOptions
{
    /// <summary>Tumbling window sizes. Each must be a whole number of seconds, at least 1 s, and divide a day or be a multiple of one.</summary>
    public IReadOnlyList<TimeSpan> WindowSizes { get; init; } = [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)];

    /// <summary>How far behind the watermark an event may be and still be counted.</summary>
    public TimeSpan AllowedLateness { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long (event time) an event id is remembered for dedup.</summary>
    public TimeSpan DedupHorizon { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The most event ids remembered at once; past it the oldest are forgotten early (counted as evictions).</summary>
    public int DedupMaxEntries { get; init; } = 4_000_000;

    /// <summary>Rolling windows for the live conversion ratios, each a whole number of minutes, at most 24 h.</summary>
    public IReadOnlyList<TimeSpan> RollingWindows { get; init; } = [TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24)];

    /// <summary>A source (partition) that has delivered nothing for this long (processing time) stops holding the watermark back.</summary>
    public TimeSpan IdleSourceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a <c>spend</c> report for a (campaign, channel, UTC day of <c>ts</c>) already reported replaces
    /// the earlier figure (in the windows the first report was counted in) instead of adding to it.
    /// Needs the funnel's dimensions to include <c>campaign</c> and <c>channel</c>. Default false.
    /// </summary>
    public bool SpendRestatements { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (WindowSizes.Count == 0)
            throw new ArgumentException("at least one window size is required", nameof(WindowSizes));
        foreach (TimeSpan w in WindowSizes)
        {
            if (w < TimeSpan.FromSeconds(1) || w.Ticks % TimeSpan.TicksPerSecond != 0)
                throw new ArgumentException($"window size {w} must be a whole number of seconds, at least 1 s", nameof(WindowSizes));
            if (TimeSpan.FromDays(1).Ticks % w.Ticks != 0 && w.Ticks % TimeSpan.FromDays(1).Ticks != 0)
                throw new ArgumentException($"window size {w} must divide a day or be a whole number of days, so windows align to UTC midnight", nameof(WindowSizes));
        }
        if (WindowSizes.Distinct().Count() != WindowSizes.Count)
            throw new ArgumentException("a window size appears twice", nameof(WindowSizes));
        if (AllowedLateness < TimeSpan.Zero)
            throw new ArgumentException($"allowed lateness must not be negative (got {AllowedLateness})", nameof(AllowedLateness));
        if (DedupHorizon < TimeSpan.Zero)
            throw new ArgumentException($"dedup horizon must not be negative (got {DedupHorizon})", nameof(DedupHorizon));
        if (DedupMaxEntries < 1024)
            throw new ArgumentException($"dedup capacity must be at least 1024 (got {DedupMaxEntries})", nameof(DedupMaxEntries));
        foreach (TimeSpan r in RollingWindows)
        {
            if (r < TimeSpan.FromMinutes(1) || r > TimeSpan.FromHours(24) || r.Ticks % TimeSpan.TicksPerMinute != 0)
                throw new ArgumentException($"rolling window {r} must be whole minutes between 1 min and 24 h", nameof(RollingWindows));
        }
        if (IdleSourceTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"idle-source timeout must be positive (got {IdleSourceTimeout})", nameof(IdleSourceTimeout));
    }
}
