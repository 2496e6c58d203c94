using System.Globalization;

namespace FunnelStream.LoadHarness;

/// <summary>
/// One row's measurements over the harness's rounds (<c>--rounds</c>). The rows run in turn in every round,
/// so a slow spell of the shared machine lands on one round of each row rather than on all of one row;
/// the row reports its median round (by events/s; of an even number, the lower middle one) whole, with
/// that round's CPU, allocations and GC counts, and the range of the others.
/// </summary>
internal sealed class Rounds
{
    private readonly List<Cost> _runs = [];

    public void Add(Cost cost) => _runs.Add(cost);

    public int Count => _runs.Count;

    public IReadOnlyList<Cost> All => _runs;

    /// <summary>The median round: the lower middle one of an even number.</summary>
    public Cost Median
    {
        get
        {
            if (_runs.Count == 0)
                throw new InvalidOperationException("no rounds measured");
            List<Cost> sorted = [.. _runs.OrderBy(c => c.EventsPerSecond)];
            return sorted[(sorted.Count - 1) / 2];
        }
    }

    /// <summary>Each round's events/s, in the order they ran, for the report ("612k 745k 701k").</summary>
    public string EventsPerSecondList() =>
        string.Join(" ", _runs.Select(c => (c.EventsPerSecond / 1000).ToString("N0", CultureInfo.InvariantCulture) + "k"));

    /// <summary>The same-round ratios of this row to <paramref name="other"/> by events/s, in round order.</summary>
    public double[] RatiosTo(Rounds other) =>
        [.. _runs.Zip(other._runs, (a, b) => a.EventsPerSecond / b.EventsPerSecond)];
}
