using FunnelStream.Engine.State;

namespace FunnelStream.Tests.Engine;

public class DedupSetTests
{
    [Fact]
    public void TryAdd_Full_EvictsOldestMinutesAndCountsThem()
    {
        var set = new DedupSet(TimeSpan.FromHours(24), maxEntries: 2048);
        for (ulong i = 1; i <= 1024; i++)
            Assert.True(set.TryAdd(i, 0));            // minute 0
        for (ulong i = 1025; i <= 2048; i++)
            Assert.True(set.TryAdd(i, 120_000));      // minute 2: reaching the cap evicts minute 0

        Assert.Equal(1024, set.Evictions);
        Assert.True(set.Count <= 2048 / 4 * 3 + 1);
        Assert.True(set.TryAdd(1, 0));                // forgotten
        Assert.False(set.TryAdd(2000, 120_000));      // still remembered
    }

    [Fact]
    public void TryAdd_ManyIds_EachRememberedOnce()
    {
        var set = new DedupSet(TimeSpan.FromHours(24), maxEntries: 1_000_000);
        var rng = new Random(7);
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 100_000; i++)
        {
            ulong k = (ulong)rng.NextInt64(1, 50_000);
            Assert.Equal(seen.Add(k), set.TryAdd(k, i));
        }
    }
}
