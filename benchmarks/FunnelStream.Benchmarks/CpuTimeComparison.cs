using System.Diagnostics;
using System.Globalization;

namespace FunnelStream.Benchmarks;

/// <summary>
/// Side-by-side comparison by process CPU time instead of wall time, for a shared, oversubscribed
/// machine (load average 20+ on 2 cores while this was written): wall-clock figures there mostly
/// measure the scheduler. Variants run in rounds, the order rotated each round, in one process; the
/// median and the minimum of the rounds are reported per event. Same benchmark bodies as the
/// BenchmarkDotNet classes (each call is 1000 events).
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/FunnelStream.Benchmarks -- cpu [parse|engine|dedup|parts|windows] [rounds]</c>
/// </remarks>
internal static class CpuTimeComparison
{
    private const int EventsPerCall = 1000;

    public static void Run(string[] args)
    {
        string suite = args.Length > 1 ? args[1] : "engine";
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
        (string Name, Func<long> Body)[] variants = suite switch
        {
            "parse" => Parse(),
            "engine" => Engine(),
            "dedup" => Dedup(),
            "parts" => Parts(),
            "windows" => Windows(),
            _ => throw new ArgumentException($"unknown suite '{suite}' (parse, engine, dedup, parts, windows)"),
        };
        var process = Process.GetCurrentProcess();
        double Measure(Func<long> body, int calls)
        {
            process.Refresh();
            TimeSpan start = process.TotalProcessorTime;
            long sink = 0;
            for (int i = 0; i < calls; i++)
                sink += body();
            process.Refresh();
            GC.KeepAlive(sink);
            return (process.TotalProcessorTime - start).TotalNanoseconds / ((double)calls * EventsPerCall);
        }

        // Warm-up (tiered JIT to its final code) and calibration: about 0.3 s of CPU per variant and round.
        int[] calls = new int[variants.Length];
        for (int v = 0; v < variants.Length; v++)
        {
            Measure(variants[v].Body, 200);
            double ns = Measure(variants[v].Body, 200);
            calls[v] = Math.Max(50, (int)(0.3e9 / (ns * EventsPerCall)));
        }
        var results = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < variants.Length; k++)
            {
                int v = (k + r) % variants.Length;
                results[v].Add(Measure(variants[v].Body, calls[v]));
            }
        }
        Console.WriteLine($"suite {suite}, {rounds} rounds, CPU ns per event, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {LoadAverage()}");
        Console.WriteLine("| variant | median | min | ratio to first (median) |");
        Console.WriteLine("|---|---:|---:|---:|");
        double first = Median(results[0]);
        for (int v = 0; v < variants.Length; v++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {variants[v].Name} | {Median(results[v]):F1} | {results[v].Min():F1} | {Median(results[v]) / first:F2} |"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static (string, Func<long>)[] Parse()
    {
        var b = new ParseBenchmarks();
        b.Setup();
        return [("B2 bare reader", b.BareReaderAllTokens), ("EventParser.Parse", b.ParseEvents)];
    }

    private static (string, Func<long>)[] Engine()
    {
        var b = new EngineBenchmarks();
        b.Setup();
        return [("B2 bare reader", b.BareReaderAllTokens), ("engine", () => b.EngineProcess()), ("engine, prefetching 8 ahead", () => b.EngineProcessPrefetch()), ("engine, cache-sized dedup (ablation)", () => b.EngineProcessCacheSizedDedup()), ("parse + engine", () => b.ParseAndProcess()), ("parse batch, then engine prefetching", () => b.ParseBatchThenProcessPrefetch())];
    }

    private static (string, Func<long>)[] Dedup()
    {
        var b = new DedupBenchmarks();
        b.Setup();
        return [("previous (rebuild)", () => b.Baseline()), ("in place, 4 KB pages", () => b.SmallPages()), ("in place, huge pages", () => b.Current())];
    }

    private static (string, Func<long>)[] Windows()
    {
        var b = new WindowsBenchmarks();
        b.Setup();
        return [("previous (divide + scan)", b.Baseline), ("remembered window", b.Current)];
    }

    private static (string, Func<long>)[] Parts()
    {
        var b = new HotPathPartsBenchmarks();
        b.Setup();
        return
        [
            ("B2 bare reader", b.BareReaderAllTokens), ("Utf8.IsValid", () => b.Utf8Validate()),
            ("property names", () => b.FindPropertyNames()), ("two id hashes", () => (long)b.HashIdTwice()),
            ("ts", b.ParseTimestamp), ("three interns", () => b.InternThree()),
            ("dedup insert", () => b.DedupTryAdd()), ("windows + rolling", () => b.WindowsAndRolling()),
        ];
    }
}
