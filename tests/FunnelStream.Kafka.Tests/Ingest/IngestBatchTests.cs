using System.Text;
using Confluent.Kafka;
using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;

namespace FunnelStream.Kafka.Tests.Ingest;

/// <summary>
/// The batch keeps its own copy of each event's record (key, value, offset, headers) for a late
/// dead letter, in an arena reused across batches: what comes back is exactly what went in, a missing
/// key stays missing (not empty), and large records end a batch early rather than grow it unboundedly.
/// </summary>
public class IngestBatchTests
{
    private static readonly TopicPartition Clicks = new("funnel.clicks", 1);

    private static void Add(IngestBatch batch, long offset, string? key, string value, Headers? headers = null) =>
        batch.Add(0, Clicks, covered: true, offset,
            key is null ? [] : Encoding.UTF8.GetBytes(key), key is null, Encoding.UTF8.GetBytes(value), headers);

    [Fact]
    public void Original_AfterAdd_ReturnsTheRecordAsConsumed()
    {
        var batch = new IngestBatch(8);
        var headers = new Headers { { "trace", [1, 2, 3] } };
        Add(batch, 41, "j-1", """{"id":"a"}""", headers);
        Add(batch, 42, null, """{"id":"b"}""");
        Add(batch, 43, "", "");

        (TopicPartition tp, long offset, byte[]? key, byte[] value, Headers? h) = batch.Original(0);
        Assert.Equal(Clicks, tp);
        Assert.Equal(41, offset);
        Assert.Equal("j-1", Encoding.UTF8.GetString(key!));
        Assert.Equal("""{"id":"a"}""", Encoding.UTF8.GetString(value));
        Assert.Same(headers, h);

        Assert.Null(batch.Original(1).Key); // no key at all
        Assert.Equal("""{"id":"b"}""", Encoding.UTF8.GetString(batch.Original(1).Value));
        Assert.Equal([], batch.Original(2).Key!); // an empty key is not a missing one
        Assert.Equal((Clicks, 43L), (batch.Original(2).Partition, batch.Original(2).Offset));
        Assert.Equal((Clicks, 44L), batch.NextOffset(0));
    }

    [Fact]
    public void Reset_ThenAdd_ReusesTheArenaWithoutMixingRecords()
    {
        var batch = new IngestBatch(8);
        Add(batch, 1, "first-key", new string('x', 1000));
        batch.Reset();
        Add(batch, 2, "k", "short");

        Assert.Equal(1, batch.Count);
        Assert.Equal("k", Encoding.UTF8.GetString(batch.Original(0).Key!));
        Assert.Equal("short", Encoding.UTF8.GetString(batch.Original(0).Value));
    }

    [Fact]
    public void Add_AFullBatchOfTypicalRecords_ArenaStaysOffTheLargeObjectHeap()
    {
        // Every batch the pool ever needs is allocated once, and large-object-heap memory counts
        // toward a gen-2 collection: 1,024 records of ~170 B must not need an array of 85,000 B or more.
        var batch = new IngestBatch(1024);
        var values = Enumerable.Range(0, 1024).Select(i => i + ":" + new string((char)('a' + i % 26), 160)).ToList();
        for (int i = 0; i < values.Count; i++)
            Add(batch, i, "journey-" + i, values[i]);

        Assert.True(batch.IsFull);
        Assert.All(batch.ArenaArrays, a => Assert.True(a.Length < 85_000, $"an arena array of {a.Length} B"));
        for (int i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], Encoding.UTF8.GetString(batch.Original(i).Value));
            Assert.Equal("journey-" + i, Encoding.UTF8.GetString(batch.Original(i).Key!));
        }
    }

    [Fact]
    public void Add_AFewRecords_BatchStaysSmall_GrowsToItsCapacityOnlyWhenFilled()
    {
        // The pool holds as many batches as were ever in flight (hundreds at a steady rate, most with a
        // few dozen records): a batch must cost what it held, not its capacity.
        var batch = new IngestBatch(1024);
        for (int i = 0; i < 20; i++)
            Add(batch, i, "k" + i, "v" + i);

        Assert.Equal(RecordStore.InitialRecords, batch.Room);
        Assert.True(batch.ArenaArrays.Sum(a => a.Length) <= RecordStore.FirstChunkBytes);
        Assert.False(batch.IsFull);
        for (int i = 20; i < 200; i++)
            Add(batch, i, "k" + i, new string('v', 150)); // ~30 KB of records: chunks of 4, 8, 16 KB, not 64
        Assert.InRange(batch.ArenaArrays.Sum(a => a.Length), 180 * 150, 4 * RecordStore.FirstChunkBytes + 32 * 1024);
        batch.Reset();
        for (int i = 0; i < 20; i++)
            Add(batch, i, "k" + i, "v" + i);

        for (int i = 20; i < 1024; i++)
        {
            Assert.False(batch.IsFull);
            Add(batch, i, "k" + i, "v" + i);
        }
        Assert.True(batch.IsFull);
        Assert.Equal(1024, batch.Room);
        for (int i = 0; i < 1024; i++)
        {
            Assert.Equal("v" + i, Encoding.UTF8.GetString(batch.Original(i).Value));
            Assert.Equal(i, batch.Original(i).Offset);
        }
        batch.Reset();
        Assert.Equal(1024, batch.Room); // kept for the next fill
    }

    [Fact]
    public void Add_RecordLargerThanAChunk_KeptWholeAndDroppedOnReset()
    {
        var batch = new IngestBatch(1024);
        string huge = new('h', RecordStore.ChunkBytes + 1000);
        Add(batch, 1, "before", "small");
        Add(batch, 2, "k", huge);
        Add(batch, 3, "after", "small too");

        Assert.Equal(huge, Encoding.UTF8.GetString(batch.Original(1).Value));
        Assert.Equal("small", Encoding.UTF8.GetString(batch.Original(0).Value));
        Assert.Equal("small too", Encoding.UTF8.GetString(batch.Original(2).Value));

        batch.Reset();
        Assert.DoesNotContain(batch.ArenaArrays, a => a.Length > RecordStore.ChunkBytes); // not kept for the next batch
        Add(batch, 4, "k", "next");
        Assert.Equal("next", Encoding.UTF8.GetString(batch.Original(0).Value));
    }

    [Fact]
    public void IsFull_LargeRecords_EndTheBatchAtTheArenaLimit()
    {
        var batch = new IngestBatch(1024);
        string large = new('y', 60_000);
        int added = 0;
        while (!batch.IsFull)
        {
            Add(batch, added, "k", large);
            added++;
        }

        Assert.InRange(added, RecordStore.ArenaLimit / 60_003, RecordStore.ArenaLimit / 60_003 + 1);
        Assert.Equal(large, Encoding.UTF8.GetString(batch.Original(added - 1).Value));
    }

    [Fact]
    public void DetachRecords_AfterApplying_BatchKeepsItsOffsetsAndTheStoreFillsAnotherBatch()
    {
        var applied = new IngestBatch(1024);
        var headers = new Headers { { "trace", [7] } };
        for (int i = 0; i < 100; i++)
            Add(applied, 10 + i, "k", "value " + i, headers);

        RecordStore store = applied.DetachRecords();

        // What the consumer thread still needs of an applied batch: the offsets it covers.
        Assert.Equal(0, applied.Count);
        Assert.False(applied.HasRecords);
        Assert.Equal((Clicks, 110L), applied.NextOffset(0));
        Assert.Throws<InvalidOperationException>(() => applied.Events);
        // The store is emptied, keeps its grown arrays, and holds no reference to the client's objects.
        Assert.Equal(0, store.Count);
        Assert.Equal(128, store.Room);

        var next = new IngestBatch(1024, withRecords: false);
        next.AttachRecords(store);
        Add(next, 500, null, "reused");
        Assert.Equal(128, next.Room);
        Assert.Equal("reused", Encoding.UTF8.GetString(next.Original(0).Value));
        Assert.Null(next.Original(0).Headers);
        Assert.Throws<InvalidOperationException>(() => next.AttachRecords(new RecordStore(1024)));
    }
}
