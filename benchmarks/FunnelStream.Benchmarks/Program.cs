using BenchmarkDotNet.Running;

namespace FunnelStream.Benchmarks;

/// <summary>
/// Every benchmark class in this assembly; pick with --filter, e.g. --filter '*Parse*' --job short.
/// <c>cpu SUITE [ROUNDS]</c> instead compares variants by CPU time (<see cref="CpuTimeComparison"/>);
/// <c>pauses [IDS]</c> times single dedup inserts (<see cref="DedupPauses"/>).
/// </summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "cpu")
            CpuTimeComparison.Run(args);
        else if (args.Length > 0 && args[0] == "pauses")
            DedupPauses.Run(args);
        else
            BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
