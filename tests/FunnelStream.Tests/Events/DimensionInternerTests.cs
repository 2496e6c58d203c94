using System.Text;
using FunnelStream.Events;

namespace FunnelStream.Tests.Events;

public class DimensionInternerTests
{
    [Fact]
    public void Intern_SameUtf8ValueTwice_ReturnsSameId()
    {
        var interner = new DimensionInterner("campaign", 10);
        int first = interner.Intern("spring"u8);
        Assert.Equal(first, interner.Intern("spring"u8));
        Assert.Equal(2, first);
        Assert.Equal("spring", interner.NameOf(first));
        Assert.Equal(3, interner.Count);
    }

    [Fact]
    public void Intern_Utf8AndCharsOfSameValue_ReturnSameId()
    {
        var interner = new DimensionInterner("campaign", 10);
        int bytesFirst = interner.Intern("été"u8);
        Assert.Equal(bytesFirst, interner.Intern("été".AsSpan()));
        int charsFirst = interner.Intern("hiver".AsSpan());
        Assert.Equal(charsFirst, interner.Intern("hiver"u8));
        Assert.NotEqual(bytesFirst, charsFirst);
    }

    [Fact]
    public void Intern_ReservedNames_MapToReservedIds()
    {
        var interner = new DimensionInterner("campaign", 10);
        Assert.Equal(DimensionInterner.UnknownId, interner.Intern("unknown"u8));
        Assert.Equal(DimensionInterner.OtherId, interner.Intern("other"u8));
    }

    [Fact]
    public void Intern_PastBudget_ReturnsOtherAndCountsFolds()
    {
        var interner = new DimensionInterner("campaign", 2);
        Assert.Equal(2, interner.Intern("a"u8));
        Assert.Equal(3, interner.Intern("b"u8));
        Assert.Equal(DimensionInterner.OtherId, interner.Intern("c"u8));
        Assert.Equal(DimensionInterner.OtherId, interner.Intern("d".AsSpan()));
        Assert.Equal(2, interner.Intern("a"u8));
        Assert.Equal(2, interner.FoldedCount);
        Assert.Equal(4, interner.Count);
    }

    [Fact]
    public void Intern_ManyValues_EachKeepsItsId()
    {
        var interner = new DimensionInterner("campaign", 5000);
        var ids = new Dictionary<string, int>();
        for (int i = 0; i < 5000; i++)
        {
            string value = $"campaign-{i}";
            ids[value] = i % 2 == 0 ? interner.Intern(Encoding.UTF8.GetBytes(value)) : interner.Intern(value.AsSpan());
        }
        foreach ((string value, int id) in ids)
        {
            Assert.Equal(id, interner.Intern(Encoding.UTF8.GetBytes(value)));
            Assert.Equal(id, interner.Intern(value.AsSpan()));
            Assert.Equal(value, interner.NameOf(id));
        }
        Assert.Equal(5002, interner.Count);
    }

    [Fact]
    public void Intern_InvalidUtf8_DecodedWithReplacementCharacter()
    {
        var interner = new DimensionInterner("campaign", 10);
        int id = interner.Intern([(byte)'a', 0xFF]);
        Assert.Equal("a\uFFFD", interner.NameOf(id));
        Assert.Equal(id, interner.Intern("a\uFFFD"u8));
        Assert.Equal(id, interner.Intern([(byte)'a', 0xFE]));
    }

    [Fact]
    public void Intern_KnownUtf8Value_DoesNotAllocate()
    {
        var interner = new DimensionInterner("campaign", 10);
        byte[] value = "spring-sale-2026"u8.ToArray();
        interner.Intern(value);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 1000; i++)
            sum += interner.Intern(value);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2000, sum);
    }

    [Fact]
    public async Task NameOf_ReadConcurrentlyWithUtf8Writer_SeesEveryPublishedId()
    {
        var interner = new DimensionInterner("campaign", 20_000);
        using var done = new CancellationTokenSource();
        Task reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                int count = interner.Count;
                for (int id = 2; id < count; id++)
                    Assert.Equal($"v{id - 2}", interner.NameOf(id));
            }
        });
        for (int i = 0; i < 20_000; i++)
            interner.Intern(Encoding.UTF8.GetBytes($"v{i}"));
        done.Cancel();
        await reader;
    }
}
