namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Sales-cycle lengths (ts(first won) − ts(first lead), whole seconds, spec/kpis.md) attributed to the
/// event-time window of the journey's first won event, for <c>sales_velocity_per_day</c>. A
/// <see cref="JourneyStore"/> built with this tracker feeds it: when a journey first reaches the won stage
/// (or an earlier lead or won arrives later and changes the cycle) the old contribution is taken back and
/// the new one added, so the sums are a function of the counted events, not of their arrival order.
/// </summary>
/// <remarks>
/// <para>Two views, both <see cref="Kpis.ISalesCycleSource"/>: <see cref="Windows"/>, per tumbling window
/// (of the sizes given) and breakdown slot of the won event, read on the engine thread by a window sink
/// (replay); <see cref="Rolling"/>, totals in one-minute buckets over the last 24 h, read from any thread
/// (the Prometheus scrape).</para>
/// <para><b>Exactness.</b> A window's sum and count are final when it closes: the won event lies in the
/// window, so any event that could still change its cycle (an earlier lead or won) would be late and is
/// dropped by the engine. Exceptions, as for the journey histograms: a journey evicted at the cap or
/// expired after a conversion window without events starts afresh if it appears again. Two first won
/// events in the same second: the one counted first sets the breakdown (times have one-second resolution).</para>
/// <para><b>Memory.</b> Per window: one accumulator per breakdown slot with a won event, dropped once the
/// window has closed (the first watermark advance after its end passed watermark − allowed lateness); the
/// rolling ring is fixed (1,440 buckets). Recording allocates nothing once the table has grown.</para>
/// </remarks>
public sealed partial class SalesCycleTracker
{
    private readonly WindowedSalesCycles _windows;
    private readonly RollingSalesCycles _rolling = new();

    /// <summary>Creates a tracker.</summary>
    /// <param name="windowSizes">The tumbling window sizes to attribute cycles to (the engine's); empty keeps only <see cref="Rolling"/>.</param>
    /// <param name="allowedLateness">The engine's allowed lateness: a window's accumulators are kept until it has closed.</param>
    public SalesCycleTracker(IReadOnlyList<TimeSpan> windowSizes, TimeSpan allowedLateness)
    {
        ArgumentNullException.ThrowIfNull(windowSizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(allowedLateness, TimeSpan.Zero);
        foreach (TimeSpan w in windowSizes)
        {
            if (w.Ticks <= 0 || w.Ticks % TimeSpan.TicksPerSecond != 0)
                throw new ArgumentException($"window size {w} must be a whole number of seconds, at least 1 s", nameof(windowSizes));
        }
        _windows = new WindowedSalesCycles(windowSizes.Select(w => (long)w.TotalMilliseconds).ToArray(), (long)allowedLateness.TotalMilliseconds);
    }

    /// <summary>
    /// Mean cycle per closed tumbling window and breakdown (the dimension values of the won event's slot;
    /// empty for the total over all slots). Engine thread only (a window sink); before a non-empty
    /// breakdown can be asked for, <see cref="UseSlotNames"/> must have been called.
    /// </summary>
    public Kpis.ISalesCycleSource Windows => _windows;

    /// <summary>Mean cycle over whole minutes of won time within the last 24 h, totals only (breakdown must be empty). Any thread, lock-free.</summary>
    public Kpis.ISalesCycleSource Rolling => _rolling;

    /// <summary>Names breakdown slots with <paramref name="engine"/>'s dimension values (the engine whose journey store feeds this tracker).</summary>
    public void UseSlotNames(FunnelEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _windows.UseSlotNames(engine);
    }

    /// <summary>Adds (<paramref name="sign"/> +1) or takes back (−1) one cycle of <paramref name="cycleSeconds"/> won at second <paramref name="wonSecond"/> in <paramref name="slot"/>. Engine thread.</summary>
    internal void Add(uint wonSecond, int slot, long cycleSeconds, int sign)
    {
        _windows.Add(wonSecond * 1000L, slot, cycleSeconds, sign);
        _rolling.Add(wonSecond / 60, cycleSeconds, sign);
    }

    /// <summary>Drops the accumulators of windows that closed before the previous watermark advance. Engine thread.</summary>
    internal void OnWatermark(long watermarkMs) => _windows.OnWatermark(watermarkMs);

    /// <summary>Tumbling-window accumulators held now (for tests of the memory bound). Engine thread.</summary>
    internal int WindowAccumulators => _windows.Count;
}
