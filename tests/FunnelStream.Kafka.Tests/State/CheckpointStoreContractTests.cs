using FunnelStream.Kafka.State;

namespace FunnelStream.Kafka.Tests.State;

/// <summary>What every checkpoint store guarantees: the latest saved checkpoint per key, byte for byte.</summary>
public abstract class CheckpointStoreContractTests
{
    protected abstract ICheckpointStore Store { get; }

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Load_NothingSaved_ReturnsNothing()
    {
        Assert.Empty(Store.Load(["g/i-0", "g/i-1"]));
    }

    [Fact]
    public void Load_SeveralSaves_ReturnsTheLatestOfEachKeyOnly()
    {
        Store.Save([new("g/t/0", Bytes(100, 1)), new("g/t/1", Bytes(10, 2))]);
        Store.Save([new("g/t/0", Bytes(120, 3))]);

        IReadOnlyDictionary<string, byte[]> loaded = Store.Load(["g/t/0", "g/t/1", "g/t/2"]);

        Assert.Equal(2, loaded.Count);
        Assert.Equal(Bytes(120, 3), loaded["g/t/0"]);
        Assert.Equal(Bytes(10, 2), loaded["g/t/1"]);
    }

    [Fact]
    public void Load_CheckpointLargerThanARecord_ReturnedWhole()
    {
        byte[] big = Bytes(2_500_000, 4);
        Store.Save([new("g/big/0", big)]);

        Assert.Equal(big, Store.Load(["g/big/0"])["g/big/0"]);
    }

    [Fact]
    public void Load_KeysThatOnlyDifferInPunctuation_KeptApart()
    {
        Store.Save([new("g/t/1", new byte[] { 1 }), new("g.t.1", new byte[] { 2 }), new("g/t/1/", new byte[] { 3 })]);

        IReadOnlyDictionary<string, byte[]> loaded = Store.Load(["g/t/1", "g.t.1", "g/t/1/"]);

        Assert.Equal([1], loaded["g/t/1"]);
        Assert.Equal([2], loaded["g.t.1"]);
        Assert.Equal([3], loaded["g/t/1/"]);
    }
}
