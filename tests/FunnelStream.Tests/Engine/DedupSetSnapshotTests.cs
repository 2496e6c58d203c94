using System.Buffers;
using FunnelStream.Engine.Checkpoints;
using FunnelStream.Engine.State;

namespace FunnelStream.Tests.Engine;

/// <summary>
/// A dedup snapshot (checkpoints written off the engine thread) holds the ids exactly as they were
/// when it began, however many are added meanwhile, on whichever thread it is written; and the set
/// goes on answering as a twin that never had a snapshot. The oracle is the twin's own
/// <see cref="DedupSet.WriteTo"/> at the moment the snapshot began: the same header and the same ids
/// with their minutes (<see cref="AssertSameIds"/>). Their order is the table's, which can differ
/// from the twin's: an open snapshot holds up the move of ids into a grown table.
/// </summary>
public class DedupSetSnapshotTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(24);

    private static byte[] Written(DedupSet set)
    {
        var buffer = new ArrayBufferWriter<byte>();
        set.WriteTo(new CheckpointWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The header (evictions, capacity, count) byte for byte, then the 12-byte entries (id, minute)
    /// as a sorted list: every id exactly once, with its minute, whatever the table order.
    /// </summary>
    private static void AssertSameIds(byte[] expected, byte[] actual)
    {
        const int Header = 16, Entry = 12;
        Assert.Equal(expected.AsSpan(0, Header).ToArray(), actual.AsSpan(0, Header).ToArray());
        Assert.Equal(expected.Length, actual.Length);
        static List<(ulong, int)> Entries(byte[] b)
        {
            var list = new List<(ulong, int)>();
            for (int at = Header; at < b.Length; at += Entry)
                list.Add((BitConverter.ToUInt64(b, at), BitConverter.ToInt32(b, at + 8)));
            list.Sort();
            return list;
        }
        Assert.Equal(Entries(expected), Entries(actual));
    }

    /// <summary>Feeds both sets the same ids (new ones and repeats), asserting they answer alike.</summary>
    private static void Feed(DedupSet set, DedupSet twin, Random rng, int count, ref long ts)
    {
        for (int i = 0; i < count; i++)
        {
            ulong id = rng.Next(5) == 0 ? (ulong)rng.Next(1, 20_000) : (ulong)rng.NextInt64(1, long.MaxValue);
            ts += rng.Next(0, 50);
            Assert.Equal(twin.TryAdd(id, ts), set.TryAdd(id, ts));
        }
        Assert.Equal(twin.Count, set.Count);
        Assert.Equal(twin.Evictions, set.Evictions);
    }

    [Fact]
    public void Snapshot_IdsAddedWhileOpen_WrittenAsTheSetWasWhenItBegan()
    {
        var set = new DedupSet(Horizon, maxEntries: 100_000);
        var twin = new DedupSet(Horizon, maxEntries: 100_000);
        var rng = new Random(11);
        long ts = 60_000_000;
        Feed(set, twin, rng, 20_000, ref ts);
        byte[] expected = Written(twin);

        var buffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot snapshot = set.BeginSnapshot(buffer);
        Feed(set, twin, rng, 5_000, ref ts); // below the point of removing ids: the snapshot stays open
        Assert.False(snapshot.IsWritten);
        snapshot.Complete();

        AssertSameIds(expected, buffer.WrittenSpan.ToArray());
        AssertSameIds(Written(twin), Written(set)); // the ids added meanwhile are remembered as usual
        Feed(set, twin, rng, 50_000, ref ts);     // growth and expiry after the snapshot, as the twin
        AssertSameIds(Written(twin), Written(set));
    }

    [Fact]
    public void Snapshot_WrittenOnAnotherThreadWhileIdsAreAdded_WrittenAsTheSetWasWhenItBegan()
    {
        // Large enough that writing takes a while (about 300,000 ids), so that the writer and the
        // adding thread overlap in most rounds; any overlap that showed a later id, or lost an
        // earlier one, fails the comparison.
        var set = new DedupSet(Horizon, maxEntries: 2_000_000);
        var twin = new DedupSet(Horizon, maxEntries: 2_000_000);
        var rng = new Random(12);
        long ts = 60_000_000;
        Feed(set, twin, rng, 300_000, ref ts);
        for (int round = 0; round < 20; round++)
        {
            byte[] expected = Written(twin);
            var buffer = new ArrayBufferWriter<byte>();
            DedupSet.Snapshot snapshot = set.BeginSnapshot(buffer);
            using var started = new ManualResetEventSlim();
            Exception? failed = null;
            var writer = new Thread(() =>
            {
                started.Set();
                try
                {
                    snapshot.Complete();
                }
                catch (Exception e)
                {
                    failed = e;
                }
            });
            writer.Start();
            started.Wait();
            Feed(set, twin, rng, 3_000, ref ts);
            writer.Join();

            Assert.Null(failed);
            AssertSameIds(expected, buffer.WrittenSpan.ToArray());
        }
        AssertSameIds(Written(twin), Written(set));
    }

    /// <summary>
    /// Reaching the cap while a snapshot is open forgets the oldest ids at once without writing the
    /// snapshot first: the sweep that removes them waits for it, and it still holds them.
    /// </summary>
    [Fact]
    public async Task Snapshot_SetEvictsWhileOpen_StillWrittenAsItWas()
    {
        var set = new DedupSet(Horizon, maxEntries: 4096);
        var twin = new DedupSet(Horizon, maxEntries: 4096);
        var rng = new Random(13);
        long ts = 60_000_000;
        Feed(set, twin, rng, 3_000, ref ts);
        byte[] expected = Written(twin);

        var buffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot snapshot = set.BeginSnapshot(buffer);
        while (set.Evictions == 0)
            Feed(set, twin, rng, 1, ref ts); // reaches the cap: the oldest minutes are forgotten
        Feed(set, twin, rng, 100, ref ts);

        Assert.True(set.IsSweeping);
        Assert.False(snapshot.IsWritten);
        await Task.Run(snapshot.Complete);
        AssertSameIds(expected, buffer.WrittenSpan.ToArray());
        Feed(set, twin, rng, 3_000, ref ts); // the sweep goes on and ends
        Assert.False(set.IsSweeping);
        AssertSameIds(Written(twin), Written(set));
    }

    /// <summary>A snapshot begun while a sweep is under way writes the ids kept, not the ones forgotten but not yet swept out.</summary>
    [Fact]
    public async Task Snapshot_BegunWhileSweeping_WritesOnlyTheIdsKept()
    {
        var set = new DedupSet(Horizon, maxEntries: 50_000);
        var twin = new DedupSet(Horizon, maxEntries: 50_000);
        var rng = new Random(16);
        long ts = 60_000_000;
        while (set.Evictions == 0)
            Feed(set, twin, rng, 1, ref ts);
        Feed(set, twin, rng, 10, ref ts);
        Assert.True(set.IsSweeping);
        byte[] expected = Written(twin);

        var buffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot snapshot = set.BeginSnapshot(buffer);
        Feed(set, twin, rng, 2_000, ref ts);
        await Task.Run(snapshot.Complete);

        AssertSameIds(expected, buffer.WrittenSpan.ToArray());
        Feed(set, twin, rng, 10_000, ref ts);
        Assert.False(set.IsSweeping);
        AssertSameIds(Written(twin), Written(set));
    }

    [Fact]
    public void BeginSnapshot_PreviousStillOpen_PreviousWrittenFirst()
    {
        var set = new DedupSet(Horizon, maxEntries: 100_000);
        var twin = new DedupSet(Horizon, maxEntries: 100_000);
        var rng = new Random(14);
        long ts = 60_000_000;
        Feed(set, twin, rng, 10_000, ref ts);
        byte[] first = Written(twin);
        var firstBuffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot firstSnapshot = set.BeginSnapshot(firstBuffer);
        Feed(set, twin, rng, 2_000, ref ts);
        byte[] second = Written(twin);

        var secondBuffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot secondSnapshot = set.BeginSnapshot(secondBuffer);
        Assert.True(firstSnapshot.IsWritten);
        Feed(set, twin, rng, 2_000, ref ts);
        secondSnapshot.Complete();

        AssertSameIds(first, firstBuffer.WrittenSpan.ToArray());
        AssertSameIds(second, secondBuffer.WrittenSpan.ToArray());
        AssertSameIds(Written(twin), Written(set));
    }

    /// <summary>
    /// A snapshot begun while the set grows holds the ids of both tables (those moved and those not
    /// yet), the move waits while it is open, and what it wrote restores to the set as it was.
    /// </summary>
    [Fact]
    public async Task Snapshot_BegunWhileGrowing_HoldsBothTablesAndTheMoveWaits()
    {
        var set = new DedupSet(Horizon, maxEntries: 1_000_000);
        var twin = new DedupSet(Horizon, maxEntries: 1_000_000);
        var rng = new Random(15);
        long ts = 60_000_000;
        while (!(set.IsGrowing && set.Count > 14_000)) // 32,768 slots to 65,536 at 16,385 ids (not mapped: at once)
            Feed(set, twin, rng, 1, ref ts);
        Feed(set, twin, rng, 500, ref ts); // some moved, most not
        Assert.True(set.IsGrowing);
        byte[] expected = Written(twin);

        var buffer = new ArrayBufferWriter<byte>();
        DedupSet.Snapshot snapshot = set.BeginSnapshot(buffer);
        Feed(set, twin, rng, 6_000, ref ts); // enough to end the move, had it not waited (4,096 inserts)
        Assert.True(set.IsGrowing);
        Assert.False(twin.IsGrowing);
        await Task.Run(snapshot.Complete); // on another thread, as the host writes it
        AssertSameIds(expected, buffer.WrittenSpan.ToArray());

        Feed(set, twin, rng, 6_000, ref ts); // the move resumes and ends (before the next growth, at 32,769 ids)
        Assert.False(set.IsGrowing);
        AssertSameIds(Written(twin), Written(set));

        var restored = new DedupSet(Horizon, maxEntries: 1_000_000);
        var reader = new CheckpointReader(buffer.WrittenSpan);
        restored.ReadFrom(ref reader);
        AssertSameIds(expected, Written(restored));
    }
}
