using System.Diagnostics;
using System.Globalization;
using FunnelStream.Engine.State;
using FunnelStream.Tests.Engine;

namespace FunnelStream.Benchmarks;

/// <summary>
/// How long single inserts hold the caller, where the per-id means of <see cref="DedupBenchmarks"/>
/// hide it: the previous implementation (<see cref="DedupSetBaseline"/>) and the current
/// <see cref="DedupSet"/> side by side in one run, each fed the same fresh ids 1 ms apart in event
/// time at the default cap (4M ids), so both grow to their full table and then forget a quarter of
/// the cap every million ids. Reports, per set, the inserts that took over 1 ms: how many, their total,
/// and the longest, with how many ids the set held then. The freshness tail of the worker is made of
/// such pauses (the engine thread stands still for them).
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/FunnelStream.Benchmarks -- pauses [ids]</c> (default 9,000,000).
/// Wall-clock timings: on a shared machine a descheduled moment shows as a pause too, which is why
/// both sets run in the same process, one after the other, and only pauses found in one and not
/// the other mean anything.
/// </remarks>
internal static class DedupPauses
{
    private const int MaxEntries = 4_000_000;
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(24);

    public static void Run(string[] args)
    {
        int ids = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9_000_000;
        var baseline = new DedupSetBaseline(Horizon, MaxEntries);
        Report("baseline (previous implementation)", ids, (id, ts) => baseline.TryAdd(id, ts), () => baseline.Count);
        var current = new DedupSet(Horizon, MaxEntries);
        Report("current", ids, (id, ts) => current.TryAdd(id, ts), () => current.Count);
    }

    private static void Report(string name, int ids, Func<ulong, long, bool> tryAdd, Func<int> count)
    {
        var rng = new Random(1);
        var pauses = new List<(int At, double Ms, int Held)>();
        long ts = 1_000_000_000;
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < ids; i++)
        {
            ulong id = (ulong)rng.NextInt64(1, long.MaxValue);
            ts++;
            long before = Stopwatch.GetTimestamp();
            tryAdd(id, ts);
            double ms = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            if (ms > 1)
                pauses.Add((i, ms, count()));
        }
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var longest = pauses.OrderByDescending(p => p.Ms).Take(8).OrderBy(p => p.At).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {ids:N0} ids in {seconds:F2} s; {pauses.Count} inserts over 1 ms, {pauses.Sum(p => p.Ms):F1} ms in all, longest {(pauses.Count == 0 ? 0 : pauses.Max(p => p.Ms)):F1} ms"));
        foreach ((int at, double ms, int held) in longest)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  insert {at,10:N0} ({held,10:N0} ids held after it): {ms,6:F1} ms"));
    }
}
