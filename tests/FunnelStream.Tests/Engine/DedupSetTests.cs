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

    /// <summary>
    /// The in-place compaction keeps the set's answers exactly: against the previous implementation
    /// (<see cref="DedupSetBaseline"/>), every <c>TryAdd</c>, <c>Count</c> and <c>Evictions</c> agree on
    /// streams that repeat ids, move event time forwards and back, expire and hit the cap many times.
    /// </summary>
    [Theory]
    [InlineData(1, 1024, 30)]
    [InlineData(2, 1024, 3)]
    [InlineData(3, 3000, 10)]
    [InlineData(4, 5000, 120)]
    [InlineData(5, 1024, 0)]
    [InlineData(6, 2048, 60, 9_000, false)] // no watermark: remembered minutes span more than the per-minute ring
    [InlineData(7, 1100, 30)] // the cap (1,100) comes while the table grows (2,048 to 4,096 slots at 1,025 ids)
    public void TryAdd_RandomStreamWithExpiryAndEviction_MatchesPreviousImplementation(int seed, int maxEntries, int horizonMinutes, int backMinutes = 90, bool expire = true)
    {
        var set = new DedupSet(TimeSpan.FromMinutes(horizonMinutes), maxEntries);
        var reference = new DedupSetBaseline(TimeSpan.FromMinutes(horizonMinutes), maxEntries);
        var rng = new Random(seed);
        long ts = (10 + backMinutes) * 60_000L;
        long watermark = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // Mostly new ids, some repeats of recent ones; small keys collide on the same home slots.
            ulong id = rng.Next(4) == 0 ? (ulong)rng.Next(1, 3 * maxEntries) : (ulong)rng.NextInt64(1, long.MaxValue);
            ts += rng.Next(-200, 300);
            long eventTs = rng.Next(50) == 0 ? Math.Max(0, ts - rng.NextInt64(0, backMinutes * 60_000L)) : ts;
            Assert.Equal(reference.TryAdd(id, eventTs), set.TryAdd(id, eventTs));
            if (expire && rng.Next(100) == 0)
            {
                watermark = Math.Max(watermark, ts - rng.Next(0, 60_000));
                set.Expire(watermark);
                reference.Expire(watermark);
            }
            if (i % 1000 == 0)
            {
                Assert.Equal(reference.Count, set.Count);
                Assert.Equal(reference.Evictions, set.Evictions);
            }
        }
        Assert.Equal(reference.Count, set.Count);
        Assert.Equal(reference.Evictions, set.Evictions);
        Assert.True(set.Evictions > 0); // the cap was reached, not only expiry
    }

    /// <summary>
    /// Growing doubles the table and moves the ids over the following inserts, a few slots each: while
    /// they move, every id added before is still found, and the move ends before the new table could
    /// need to grow again.
    /// </summary>
    [Fact]
    public void TryAdd_Growing_IdsMoveOverTheNextInsertsAndStayRemembered()
    {
        // 32,768 slots to 65,536: below the mapped size (LargeTables.MinMappedBytes), so the doubled
        // table is ready at once and the set grows at the insert that makes it more than half full.
        var set = new DedupSet(TimeSpan.FromHours(24), maxEntries: 1_000_000);
        ulong next = 1;
        while (next <= 16_384)
            Assert.True(set.TryAdd(next++ * 0x9E3779B97F4A7C15UL, 0));
        Assert.False(set.IsGrowing);                // 32,768 slots, half full; earlier moves over
        Assert.True(set.TryAdd(next++ * 0x9E3779B97F4A7C15UL, 0));
        Assert.True(set.IsGrowing);                 // the 16,385th id doubles it
        ulong before = next - 1;

        int inserts = 0;
        var rng = new Random(3);
        while (set.IsGrowing)
        {
            Assert.True(set.TryAdd(next++ * 0x9E3779B97F4A7C15UL, 0));
            inserts++;
            for (int n = 0; n < 4; n++)             // ids from before growing, moved or not yet
                Assert.False(set.TryAdd((ulong)rng.NextInt64(1, (long)before + 1) * 0x9E3779B97F4A7C15UL, 0));
        }
        Assert.Equal(32_768 / DedupSet.MovesPerInsert, inserts);
        Assert.True(set.Count * 2 < 65_536);        // ended well before the grown table is half full
        for (ulong i = 1; i < next; i++)
            Assert.False(set.TryAdd(i * 0x9E3779B97F4A7C15UL, 0));
    }

    /// <summary>
    /// A doubled table of the mapped size is made ready on a pool thread; meanwhile the set fills its
    /// table past half, never past 5/8, answering as the previous implementation; then it grows, and
    /// a checkpoint written meanwhile holds the doubled size (a table half full or more would not
    /// restore otherwise).
    /// </summary>
    [Fact]
    public void TryAdd_DoubledTableNotReadyYet_FillsUpToFiveEighthsThenGrows()
    {
        var set = new DedupSet(TimeSpan.FromHours(24), maxEntries: 4_000_000);
        var reference = new DedupSetBaseline(TimeSpan.FromHours(24), 4_000_000);
        var rng = new Random(21);
        bool sawPreparing = false, sawWritten = false;
        for (int i = 0; i < 600_000; i++)
        {
            ulong id = rng.Next(8) == 0 && i > 0 ? (ulong)rng.Next(1, i + 1) : (ulong)rng.NextInt64(1, long.MaxValue);
            Assert.Equal(reference.TryAdd(id, i), set.TryAdd(id, i));
            Assert.True((long)set.Count * 8 <= (long)set.TableLength * 5);
            if (set.IsPreparingToGrow && set.Count * 2 > set.TableLength && !sawWritten)
            {
                sawPreparing = true;
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                set.WriteTo(new FunnelStream.Engine.Checkpoints.CheckpointWriter(buffer));
                var restored = new DedupSet(TimeSpan.FromHours(24), maxEntries: 4_000_000);
                var r = new FunnelStream.Engine.Checkpoints.CheckpointReader(buffer.WrittenSpan);
                restored.ReadFrom(ref r);
                Assert.Equal(set.Count, restored.Count);
                Assert.Equal(set.TableLength * 2, restored.TableLength);
                sawWritten = true;
            }
        }
        Assert.Equal(reference.Count, set.Count);
        Assert.True(sawPreparing, "the set never ran ahead of its doubled table (it was always ready at once)");
    }

    /// <summary>
    /// At the cap the oldest minutes are forgotten at once (counted, and new again straight away) and
    /// swept out of the table over the following inserts, a few clusters each; the ids kept stay
    /// remembered throughout, as in the previous implementation.
    /// </summary>
    [Fact]
    public void TryAdd_AtTheCap_ForgetsAtOnceAndSweepsOverTheNextInserts()
    {
        const int Cap = 40_000;
        var set = new DedupSet(TimeSpan.FromHours(24), Cap);
        var reference = new DedupSetBaseline(TimeSpan.FromHours(24), Cap);
        const ulong Step = 0x9E3779B97F4A7C15UL;
        ulong next = 1;
        long ts = 0;
        while (set.Evictions == 0)
        {
            ts += 60;                                         // 1,000 ids a minute
            Assert.Equal(reference.TryAdd(next * Step, ts), set.TryAdd(next * Step, ts));
            next++;
        }
        Assert.True(set.IsSweeping);
        Assert.Equal(reference.Evictions, set.Evictions);     // counted when forgotten, not when swept
        Assert.Equal(reference.Count, set.Count);
        Assert.True(set.Count <= Cap / 4 * 3);

        int inserts = 0;
        ulong forgotten = 1, kept = next - 1;
        while (set.IsSweeping)
        {
            ts += 60;
            Assert.Equal(reference.TryAdd(next * Step, ts), set.TryAdd(next * Step, ts));
            next++;
            inserts++;
            // A forgotten id, seen again now, is new (its old copy may not be swept out yet); a kept one is not.
            Assert.Equal(reference.TryAdd(forgotten * Step, ts), set.TryAdd(forgotten * Step, ts));
            Assert.False(set.TryAdd(forgotten * Step, ts)); // and remembered once added again
            Assert.False(reference.TryAdd(forgotten * Step, ts));
            forgotten++;
            Assert.Equal(reference.TryAdd(kept * Step, ts), set.TryAdd(kept * Step, ts));
            kept--;
        }
        Assert.InRange(inserts, 2, set.TableLength / DedupSet.SweepSlotsPerInsert + 1);
        Assert.Equal(reference.Count, set.Count);
        Assert.Equal(reference.Evictions, set.Evictions);
    }

    /// <summary>Past 4 MB the tables are huge-page advised (<see cref="LargeTables"/>); the set answers the same, prefetch hints included.</summary>
    [Fact]
    public void TryAdd_LargeHugePageTableWithPrefetch_MatchesPreviousImplementation()
    {
        var set = new DedupSet(TimeSpan.FromHours(24), 1_000_000);
        var reference = new DedupSetBaseline(TimeSpan.FromHours(24), 1_000_000);
        var rng = new Random(11);
        var ids = new ulong[700_000];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = rng.Next(5) == 0 && i > 0 ? ids[rng.Next(i)] : (ulong)rng.NextInt64(1, long.MaxValue);
        for (int i = 0; i < ids.Length; i++)
        {
            if (i + 8 < ids.Length)
                set.Prefetch(ids[i + 8]);
            Assert.Equal(reference.TryAdd(ids[i], i), set.TryAdd(ids[i], i));
        }
        Assert.Equal(reference.Count, set.Count);
        Assert.True(set.Count > LargeTables.MinAdvisedBytes / 8 / 2); // the table did grow past the advised size
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(3_000_000, true)]
    [InlineData(3_000_000, false)]
    [InlineData(131_073, true)] // just past the mapped size (1 MB): a mapping's last, partial page
    public void NativeTable_AnySize_ZeroedWritableToTheEndAndFreed(int length, bool hugePages)
    {
        using var table = new NativeTable<ulong>(length, hugePages);
        Assert.Equal(length, table.Length);
        for (int i = 0; i < length; i++)
            Assert.Equal(0UL, table[i]);
        table[length - 1] = 1; // writable to the end
        Assert.Equal(1UL, table[length - 1]);
    }

    /// <summary>
    /// Populating a table (a grown dedup table, paced, on a thread of its own) while its owner writes to it loses
    /// none of the owner's writes and leaves the rest zero.
    /// </summary>
    [Fact]
    public void NativeTable_PopulatedWhileWritten_KeepsEveryWrite()
    {
        const int Length = 4_000_000; // 32 MB: mapped, huge-page advised
        using var table = new NativeTable<ulong>(Length, hugePages: true);
        var rng = new Random(5);
        var written = new Dictionary<int, ulong>();
        using var started = new ManualResetEventSlim();
        var populate = new Thread(() =>
        {
            started.Set();
            table.Populate(_ => false);
        });
        populate.Start();
        started.Wait();
        for (int n = 0; n < 200_000; n++)
        {
            int i = rng.Next(Length);
            ulong v = (ulong)rng.NextInt64(1, long.MaxValue);
            table[i] = v;
            written[i] = v;
        }
        populate.Join();
        table.Populate(_ => true); // again, after the writes: still changes nothing
        for (int i = 0; i < Length; i++)
            Assert.Equal(written.TryGetValue(i, out ulong v) ? v : 0UL, table[i]);
    }

    /// <summary>
    /// Preparing a table asks, after each huge page's worth, whether to hurry, with the fraction done so
    /// far: the dedup set paces the preparation by how fast it fills, so the fractions must rise and end
    /// at the whole table. Resting (no hurry) still populates all of it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void NativeTable_Populate_ReportsRisingFractionsUpToTheWhole(bool hurry)
    {
        const int Length = 1_500_000; // 12 MB: six 2 MB pieces
        using var table = new NativeTable<ulong>(Length, hugePages: true);
        var asked = new List<double>();
        table.Populate(done =>
        {
            asked.Add(done);
            return hurry;
        });
        Assert.Equal(6, asked.Count);
        Assert.True(asked.Zip(asked.Skip(1)).All(p => p.First < p.Second), string.Join(", ", asked));
        Assert.Equal(1.0, asked[^1]);
        Assert.All(Enumerable.Range(0, Length).Where(i => i % 4096 == 0), i => Assert.Equal(0UL, table[i]));
    }
}
