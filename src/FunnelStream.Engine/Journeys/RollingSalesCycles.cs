using FunnelStream.Engine.Kpis;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Sum and count of sales cycles per minute of won time, in a ring over the last 24 h (the longest
/// rolling window); see <see cref="SalesCycleTracker"/>. One writer (the engine thread); readers from
/// any thread get a consistent sum and count through a sequence counter (they retry while a write is
/// in progress), never a torn mean.
/// </summary>
internal sealed partial class RollingSalesCycles : ISalesCycleSource
{
    public const int Minutes = 24 * 60;
    private const double SecondsPerDay = 86_400d;
    private readonly long[] _minute = CreateEmpty();
    private readonly long[] _seconds = new long[Minutes];
    private readonly long[] _count = new long[Minutes];
    private int _version;

    private static long[] CreateEmpty()
    {
        var m = new long[Minutes];
        Array.Fill(m, long.MinValue);
        return m;
    }

    public void Add(long minute, long cycleSeconds, int sign)
    {
        int index = (int)(minute % Minutes);
        long held = _minute[index];
        if (held > minute)
            return; // more than 24 h behind the newest cycle: outside every rolling window
        Volatile.Write(ref _version, _version + 1);
        Interlocked.MemoryBarrier();
        if (held != minute)
        {
            _seconds[index] = 0;
            _count[index] = 0;
            _minute[index] = minute;
        }
        _seconds[index] += sign * cycleSeconds;
        _count[index] += sign;
        Volatile.Write(ref _version, _version + 1);
    }

    /// <summary>Totals only: <paramref name="breakdown"/> must be empty. Counts the minutes m with startMs ≤ m·60 s &lt; endMs.</summary>
    public double? MeanSalesCycleDays(long startMs, long endMs, IReadOnlyList<string> breakdown)
    {
        ArgumentNullException.ThrowIfNull(breakdown);
        if (breakdown.Count != 0)
            throw new ArgumentException("the rolling sales cycle is kept for totals only", nameof(breakdown));
        long first = CeilDiv(startMs, 60_000);
        long last = CeilDiv(endMs, 60_000) - 1;
        long seconds, count;
        var spin = new SpinWait();
        while (true)
        {
            int version = Volatile.Read(ref _version);
            if ((version & 1) == 0)
            {
                seconds = 0;
                count = 0;
                for (int i = 0; i < Minutes; i++)
                {
                    long m = Volatile.Read(ref _minute[i]);
                    if (m < first || m > last)
                        continue;
                    seconds += Volatile.Read(ref _seconds[i]);
                    count += Volatile.Read(ref _count[i]);
                }
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _version) == version)
                    break;
            }
            spin.SpinOnce();
        }
        return count <= 0 ? null : (double)seconds / count / SecondsPerDay;
    }

    private static long CeilDiv(long value, long divisor) => value >= 0 ? (value + divisor - 1) / divisor : -(-value / divisor);
}
