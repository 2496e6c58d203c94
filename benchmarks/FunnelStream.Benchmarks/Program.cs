using BenchmarkDotNet.Running;

namespace FunnelStream.Benchmarks;

/// <summary>Every benchmark class in this assembly; pick with --filter, e.g. --filter '*Parse*' --job short.</summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
