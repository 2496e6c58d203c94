using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace FunnelStream.Engine.State;

/// <summary>
/// The ids seen within the dedup horizon, as 64-bit hashes tagged with the minute (event time) they
/// were seen in. An id is remembered for at least the horizon behind the watermark; expired ids are
/// dropped lazily, whenever the table would otherwise grow, so maintenance is amortised O(1) per id.
/// When the set holds its maximum, the oldest minutes are forgotten early and counted in
/// <see cref="Evictions"/>. Single-threaded.
/// </summary>
/// <remarks>
/// <para>
/// Open addressing with linear probing, at most half full (5/8 while a doubled table is made ready). Removal (expiry, eviction) compacts the
/// table in place in one sequential pass, so lookups never step over tombstones and no second table
/// is needed: at the default cap the table is 8M slots (96 MB), and rebuilding it into a fresh one
/// cost three random writes per id kept, every quarter of the cap (issue 8, DedupBenchmarks).
/// </para>
/// <para>
/// Growing doubles the table, and the ids move into the new one over the following inserts, in
/// steps, rather than all at once: moving two million ids at once held the engine thread for 100-220 ms, which decided
/// the freshness p99 at high rates (issue 8, benchmarks/RESULTS.md). While the move lasts, an id is
/// looked up in the new table and then in the old one, which stays unchanged until the move ends.
/// </para>
/// <para>
/// Removal works the same way (a sweep): the ids to forget are counted out at once from the per-minute
/// counts and from then on are dead (their minute is before the sweep's cut), and the in-place
/// compaction goes through the table over the following inserts, in steps that end between clusters. One pass over the 8M slots at the cap
/// held the engine thread ~60 ms every million new ids (issue 8).
/// </para>
/// </remarks>
internal sealed class DedupSet
{
    private const long BucketMs = 60_000;
    private readonly int _maxEntries;
    private readonly long _horizonBuckets;
    private NativeTable<ulong> _keys;
    private NativeTable<int> _buckets;
    private int[] _minuteCounts = [];
    private int _mask;
    // No remembered id is older: exact after an insert or a removal at once, a bound after a sweep starts.
    private long _oldestBucket = long.MaxValue;
    // Kept exact on insert and removal, so finding the eviction cut needs one pass over the table, not two.
    private long _newestBucket = long.MinValue;
    // Ids per minute, indexed by minute modulo the length (a power of two): kept on insert and removal,
    // so while the remembered minutes span no more than the length each entry is the exact count of its
    // minute, and the eviction cut needs no pass over the table at all.
    private readonly int[] _perMinute;
    private long _keepFrom = long.MinValue;
    private readonly bool _hugePages;
    // The snapshot being written (checkpoints), if any, and the slots filled since it began: their
    // minutes are stored complemented (negative), which tells the snapshot's writer to skip them.
    private Snapshot? _snapshot;
    private int[] _tagged = new int[256];
    private int _taggedCount;
    // While growing: the previous table, unchanged, whose ids move into _keys/_buckets from slot
    // _moveFrom on, MovesPerInsert slots per insert (in steps). Null when not growing.
    private NativeTable<ulong>? _oldKeys;
    private NativeTable<int>? _oldBuckets;
    private int _oldMask;
    private int _moveFrom;
    // Sweeping (incremental removal): ids of the table whose minute is before _sweepBelow are dead,
    // not yet compacted away; the pass goes on at slot _sweepAt, _sweepLeft slots to go. While growing,
    // the previous table's dead ids are those before _oldDeadBelow (a sweep the growth took over).
    private bool _sweeping;
    private int _sweepBelow = int.MinValue;
    private int _sweepAt;
    private int _sweepLeft;
    private int _oldDeadBelow = int.MinValue;
    // Inserts until the next step of a move or sweep (InsertsPerStep apart).
    private int _stepIn;
    // The doubled table once the set is half full, until it grows into it: mapped, its page faults
    // taken on a thread of its own (NativeTable.Populate, _nextReady), so that the engine's first writes
    // to it do not stop on them (14 faults of 4-8 ms each right after a swap into an unpopulated 96 MB
    // table). Not a pool thread: it blocks for up to a second or two, resting between pieces. Until the
    // table is ready the set goes on filling its own, up to MaxLoadEighths.
    private NativeTable<ulong>? _nextKeys;
    private NativeTable<int>? _nextBuckets;
    private Task? _nextReady;
    // Whether the set waits for the doubled table now (see Hurry).
    private volatile bool _hurry;

    /// <summary>
    /// Slots of the previous table moved per insert while growing. The move must end before the new
    /// table is half full: it starts a quarter full, so it has as many inserts as the old table has
    /// slots, halved; 8 per insert ends it four times sooner than that.
    /// </summary>
    internal const int MovesPerInsert = 8;

    /// <summary>
    /// A move or sweep goes on every this many inserts, for that many inserts' share of slots: a step
    /// of a few hundred to a few thousand slots reads them as one stream, where a few slots at each
    /// insert started cold every time (DedupBenchmarks: 108 ns per id before moves and sweeps, 147-179
    /// with 8 and 32 slots at each insert). A step takes microseconds.
    /// </summary>
    internal const int InsertsPerStep = 64;

    /// <summary>
    /// Slots of the table a sweep goes through per insert (at least; it stops between clusters). At
    /// the default cap a sweep then lasts ~260,000 inserts, a quarter of the million before the next.
    /// </summary>
    internal const int SweepSlotsPerInsert = 32;

    /// <summary>How full (5/8) the table may get while the doubled one is made ready; past it the set waits for it.</summary>
    private const int MaxLoadEighths = 5;

    /// <summary>
    /// Whether the doubled table's preparation, <paramref name="done"/> of the way, should go on without
    /// rests: it is paced to be ready by the time the set is 17/32 full (a quarter of the way from a
    /// half to <see cref="MaxLoadEighths"/>), and hurries when the set fills faster than that or waits
    /// for it. At 50,000 ids/s that leaves the 96 MB table 2.6 s; at the engine's ~1M/s, 0.13 s, and it
    /// hurries almost at once. Called from the preparing thread; <see cref="Count"/> read there is at
    /// worst a little stale.
    /// </summary>
    private bool Hurry(double done)
    {
        if (_hurry)
            return true;
        long slots = _keys.Length; // the table being filled (the doubled one is prepared only before the swap)
        double filled = (Count - slots / 2) * 32.0 / slots; // 0 at a half, 1 at 17/32
        return filled >= done;
    }

    /// <param name="horizon">How long (event time, behind the watermark) an id is remembered.</param>
    /// <param name="maxEntries">The most ids remembered at once.</param>
    /// <param name="hugePages">Whether large tables ask for huge pages (<see cref="LargeTables"/>); <c>false</c> only to measure the difference.</param>
    public DedupSet(TimeSpan horizon, int maxEntries, bool hugePages = true)
    {
        _hugePages = hugePages;
        _maxEntries = maxEntries;
        _horizonBuckets = (long)Math.Ceiling(horizon.TotalMilliseconds / BucketMs);
        _perMinute = new int[(int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Min(_horizonBuckets * 2 + 64, 1 << 20)), 4096, 1 << 20)];
        _keys = new NativeTable<ulong>(1024, hugePages);
        _buckets = new NativeTable<int>(1024, hugePages);
        _mask = 1023;
    }

    public int Count { get; private set; }

    /// <summary>Whether ids are still moving from the previous table into a grown one.</summary>
    internal bool IsGrowing => _oldKeys is not null;

    /// <summary>Whether forgotten ids are still being compacted out of the table.</summary>
    internal bool IsSweeping => _sweeping;

    /// <summary>Whether the doubled table is being made ready, the set half full or more.</summary>
    internal bool IsPreparingToGrow => _nextKeys is not null;

    /// <summary>Slots of the table taking ids now.</summary>
    internal int TableLength => _keys.Length;

    /// <summary>
    /// The table's size as far as the set's behaviour goes: the doubled one's while it is made ready,
    /// as if the set had grown at once (checkpoints keep it; see <see cref="WriteTo"/>).
    /// </summary>
    private int Capacity => _nextKeys?.Length ?? _keys.Length;

    /// <summary>Ids forgotten before their horizon because the set was full.</summary>
    public long Evictions { get; private set; }

    /// <summary>Remembers <paramref name="idHash"/>; returns <c>false</c> when it was already remembered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAdd(ulong idHash, long timestampMs)
    {
        return TryAddAt(idHash, Math.Max(0, timestampMs) / BucketMs);
    }

    /// <summary><see cref="TryAdd"/> and <see cref="TryAddImported"/> by minute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryAddAt(ulong idHash, long bucket)
    {
        if (bucket < _sweepBelow)
            FinishSweep(); // a dead copy would be swept out from under the id added now
        int slot = FreeSlotFor(idHash);
        if (slot < 0)
            return false;
        Insert(slot, idHash, bucket);
        return true;
    }

    /// <summary>The empty slot where <paramref name="idHash"/> goes, or -1 when it is remembered already.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FreeSlotFor(ulong idHash)
    {
        NativeTable<ulong> keys = _keys;
        int i = (int)idHash & _mask;
        while (true)
        {
            ulong k = keys[i];
            if (k == idHash && !(_sweeping && IsDead(_buckets[i], _sweepBelow)))
                return -1;
            if (k == 0)
                return _oldKeys is null || !InOldTable(idHash) ? i : -1;
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Whether the previous table (growing) holds <paramref name="idHash"/>; ids not yet moved are only there.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool InOldTable(ulong idHash)
    {
        NativeTable<ulong> keys = _oldKeys!;
        int i = (int)idHash & _oldMask;
        while (true)
        {
            ulong k = keys[i];
            if (k == idHash && !IsDead(_oldBuckets![i], _oldDeadBelow))
                return true;
            if (k == 0)
                return false;
            i = (i + 1) & _oldMask;
        }
    }

    /// <summary>Puts <paramref name="key"/> with <paramref name="bucket"/> in the first empty slot from its home (removal, moving, sweeping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Place(NativeTable<ulong> keys, NativeTable<int> buckets, int mask, ulong key, int bucket)
    {
        int i = (int)key & mask;
        while (keys[i] != 0)
            i = (i + 1) & mask;
        keys[i] = key;
        buckets[i] = bucket;
    }

    /// <summary>Whether an id stored with <paramref name="bucket"/> (complemented while a snapshot is open) is before <paramref name="deadBelow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDead(int bucket, int deadBelow) => (bucket < 0 ? ~bucket : bucket) < deadBelow;

    /// <summary>Puts <paramref name="idHash"/> with its minute into the empty <paramref name="slot"/>, keeping the counts, and makes room when needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Insert(int slot, ulong idHash, long bucket)
    {
        if (_snapshot is null)
        {
            _keys[slot] = idHash;
            _buckets[slot] = (int)bucket;
        }
        else
        {
            InsertWhileSnapshotOpen(slot, idHash, (int)bucket);
        }
        if (bucket < _oldestBucket)
            _oldestBucket = bucket;
        if (bucket > _newestBucket)
            _newestBucket = bucket;
        _perMinute[(int)bucket & (_perMinute.Length - 1)]++;
        Count++;
        if ((_oldKeys is not null || _sweeping) && --_stepIn == 0)
            Step();
        if (Count * 2 > _keys.Length || Count >= _maxEntries)
        {
            if (_nextKeys is null || Count >= _maxEntries)
                Maintain();
            else
                GrowWhenReady();
        }
    }

    /// <summary>
    /// Starts loading the slot where <paramref name="idHash"/> would be looked up, so that a caller
    /// going through a batch can overlap the cache (and TLB) miss of an event a few places ahead with
    /// the work on the current one. Only a hint: no effect on the set, nothing on CPUs without a
    /// prefetch instruction; a stale address (the table was replaced since) is harmless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(ulong idHash)
    {
        if (Sse.IsSupported)
        {
            int i = (int)idHash & _mask;
            Sse.Prefetch0(_keys.AddressOf(i));
            Sse.Prefetch0(_buckets.AddressOf(i));
            if (_oldKeys is { } old)
                Sse.Prefetch0(old.AddressOf((int)idHash & _oldMask));
        }
    }

    /// <summary>Lets ids whose minute is more than the horizon behind <paramref name="watermarkMs"/> be forgotten.</summary>
    public void Expire(long watermarkMs) => _keepFrom = Math.Max(0, watermarkMs) / BucketMs - _horizonBuckets;

    /// <summary>
    /// Writes the evictions so far, the table's capacity and every remembered id with its minute
    /// (checkpoints). The capacity is kept because expired ids are dropped lazily, when the table
    /// would grow: a table of another size would forget them at other moments, and a repeat of an
    /// id past the horizon could then be judged differently.
    /// </summary>
    public void WriteTo(Checkpoints.CheckpointWriter w)
    {
        EndSnapshot();
        WriteHeader(w);
        WriteEntries(w, CurrentTables, Count);
    }

    /// <summary>Evictions, capacity and count: what precedes the ids.</summary>
    private void WriteHeader(Checkpoints.CheckpointWriter w)
    {
        w.WriteInt64(Evictions);
        w.WriteInt32(Capacity);
        w.WriteInt32(Count);
    }

    /// <summary>
    /// Begins writing what <see cref="WriteTo"/> would write now into <paramref name="output"/>: the
    /// header at once, the ids when the returned snapshot is completed, on any thread, while this set
    /// goes on taking ids. A capped set is millions of ids (tens of ms to write); the engine thread
    /// only pays for this header. Owner thread. A snapshot still open is completed first.
    /// </summary>
    /// <remarks>
    /// How the ids as of now are told from the ones added later without copying the table: an id
    /// added while the snapshot is open goes into a slot that was empty (inserting never overwrites an
    /// occupied slot), and its minute is stored complemented, written before the id itself; the writer
    /// reads the id first and skips it when empty or when its minute is negative. Moving ids into a
    /// grown table and sweeping forgotten ones out wait while a snapshot is open: the snapshot writes
    /// both tables of a growth (<see cref="Tables"/>) and skips the ids a sweep has counted out. What
    /// must happen at once (<see cref="FinishSweep"/>, <see cref="FinishGrowing"/>, a table 5/8 full)
    /// completes the snapshot first, writing it on the owner thread if no other thread has started it.
    /// When the snapshot is written, the owner puts the complemented minutes right.
    /// </remarks>
    public Snapshot BeginSnapshot(System.Buffers.IBufferWriter<byte> output)
    {
        EndSnapshot();
        var w = new Checkpoints.CheckpointWriter(output);
        WriteHeader(w);
        return _snapshot = new Snapshot(w, CurrentTables, Count);
    }

    /// <summary>
    /// Where the ids are: the table, and while growing the previous one, whose slots from
    /// <paramref name="MoveFrom"/> on hold the ids not yet moved (the ones before it are in the table).
    /// </summary>
    /// Ids before <paramref name="DeadBelow"/> (<paramref name="OldDeadBelow"/> in the previous table) are
    /// forgotten, still to be swept out (<see cref="_sweeping"/>), and not written.
    internal readonly record struct Tables(NativeTable<ulong> Keys, NativeTable<int> Buckets, int DeadBelow, NativeTable<ulong>? OldKeys, NativeTable<int>? OldBuckets, int MoveFrom, int OldDeadBelow);

    private Tables CurrentTables => new(_keys, _buckets, _sweeping ? _sweepBelow : int.MinValue, _oldKeys, _oldBuckets, _moveFrom, _oldDeadBelow);

    /// <summary>
    /// The ids with their minutes, 12 bytes each, in table order (the table's, then while growing the
    /// previous table's not yet moved), skipping empty slots and the ones filled since a snapshot began
    /// (complemented minute); exactly <paramref name="count"/> of them.
    /// </summary>
    private static void WriteEntries(Checkpoints.CheckpointWriter w, Tables tables, int count)
    {
        int total = WriteEntries(w, tables.Keys, tables.Buckets, 0, tables.DeadBelow);
        if (tables.OldKeys is { } oldKeys)
            total += WriteEntries(w, oldKeys, tables.OldBuckets!, tables.MoveFrom, tables.OldDeadBelow);
        if (total != count)
            throw new InvalidOperationException($"dedup snapshot wrote {total} ids where the set held {count}: the table changed under it");
    }

    /// <summary>Writes the ids of <paramref name="keys"/> from slot <paramref name="from"/> on; returns how many.</summary>
    private static int WriteEntries(Checkpoints.CheckpointWriter w, NativeTable<ulong> keys, NativeTable<int> buckets, int from, int deadBelow)
    {
        // A block of ids per GetSpan/Advance rather than two calls per field: a capped set is millions of ids.
        const int EntryBytes = 12;
        const int BlockBytes = 4096 * EntryBytes;
        int j = from;
        int total = 0;
        while (j < keys.Length)
        {
            Span<byte> block = w.GetSpan(BlockBytes);
            int end = block.Length - EntryBytes;
            int written = 0;
            for (; j < keys.Length && written <= end; j++)
            {
                // The id before its minute: the owner writes the minute of a new id first (see BeginSnapshot).
                ulong key = Volatile.Read(ref keys[j]);
                if (key == 0)
                    continue;
                int bucket = buckets[j];
                if (bucket < 0 || bucket < deadBelow)
                    continue;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(block[written..], key);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(block[(written + 8)..], bucket);
                written += EntryBytes;
            }
            w.Advance(written);
            total += written / EntryBytes;
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InsertWhileSnapshotOpen(int slot, ulong idHash, int bucket)
    {
        if (_snapshot!.IsWritten)
        {
            EndSnapshot();
            _keys[slot] = idHash;
            _buckets[slot] = bucket;
            return;
        }
        _buckets[slot] = ~bucket;
        Volatile.Write(ref _keys[slot], idHash);
        if (_taggedCount == _tagged.Length)
            Array.Resize(ref _tagged, _tagged.Length * 2);
        _tagged[_taggedCount++] = slot;
    }

    /// <summary>Completes the open snapshot, if any (writing it here unless another thread is), and puts the minutes of the ids added meanwhile right. Owner thread.</summary>
    private void EndSnapshot()
    {
        if (_snapshot is not { } snapshot)
            return;
        snapshot.Finish();
        NativeTable<int> buckets = _buckets;
        for (int i = 0; i < _taggedCount; i++)
            buckets[_tagged[i]] = ~buckets[_tagged[i]];
        _taggedCount = 0;
        _snapshot = null;
    }

    /// <summary>The ids of a <see cref="DedupSet"/> as they were at <see cref="BeginSnapshot"/>, still to be written.</summary>
    public sealed class Snapshot : Checkpoints.ICheckpointSnapshot
    {
        private const int Open = 0, Writing = 1, Written = 2;
        private readonly Checkpoints.CheckpointWriter _output;
        private readonly Tables _tables;
        private readonly int _count;
        private readonly ManualResetEventSlim _written = new();
        private int _state;
        private Exception? _failure;

        internal Snapshot(Checkpoints.CheckpointWriter output, Tables tables, int count)
        {
            _output = output;
            _tables = tables;
            _count = count;
        }

        /// <summary>Whether the ids are written (or writing them failed).</summary>
        public bool IsWritten => Volatile.Read(ref _state) == Written;

        /// <summary>Writes the ids, or waits until the thread writing them is done. Throws what writing threw.</summary>
        public void Complete()
        {
            Finish();
            if (_failure is { } e)
                throw new InvalidOperationException($"writing the dedup snapshot failed: {e.Message}", e);
        }

        internal void Finish()
        {
            if (Interlocked.CompareExchange(ref _state, Writing, Open) != Open)
            {
                _written.Wait();
                return;
            }
            try
            {
                WriteEntries(_output, _tables, _count);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                Volatile.Write(ref _state, Written);
                _written.Set();
            }
        }
    }

    /// <summary>
    /// Restores what <see cref="WriteTo"/> wrote into this (empty) set, in a table of the same capacity.
    /// The horizon and cap are this set's own (so a changed configuration applies from now on); the
    /// expiry cut is set by the next <see cref="Expire"/>.
    /// </summary>
    public void ReadFrom(ref Checkpoints.CheckpointReader r)
    {
        EndSnapshot();
        FinishSweep(); // dead ids may still fill slots of an empty set
        FinishGrowing();
        if (Count != 0)
            throw new InvalidOperationException("ids can only be restored into an empty dedup set");
        long evictions = r.ReadInt64();
        int capacity = r.ReadInt32();
        int count = r.ReadCount(12);
        if (evictions < 0 || capacity < _keys.Length || capacity > 1 << 30 || !System.Numerics.BitOperations.IsPow2(capacity) || (long)count * 2 > capacity)
            throw new InvalidDataException($"dedup table of {capacity} slots holding {count} ids ({evictions} evictions) is not valid");
        DiscardNext();
        if (capacity != _keys.Length)
        {
            _keys.Dispose();
            _buckets.Dispose();
            _keys = new NativeTable<ulong>(capacity, _hugePages);
            _buckets = new NativeTable<int>(capacity, _hugePages);
            _mask = capacity - 1;
        }
        NativeTable<ulong> keys = _keys;
        for (int n = 0; n < count; n++)
        {
            ulong key = r.ReadUInt64();
            int bucket = r.ReadInt32();
            if (key == 0 || bucket < 0)
                throw new InvalidDataException($"dedup entry {key:x16} at minute {bucket} is not valid");
            int i = (int)key & _mask;
            while (keys[i] != 0)
            {
                if (keys[i] == key)
                    throw new InvalidDataException($"dedup id {key:x16} appears twice");
                i = (i + 1) & _mask;
            }
            keys[i] = key;
            _buckets[i] = bucket;
            _oldestBucket = Math.Min(_oldestBucket, bucket);
            _newestBucket = Math.Max(_newestBucket, bucket);
            _perMinute[bucket & (_perMinute.Length - 1)]++;
        }
        Count = count;
        Evictions = evictions;
    }

    /// <summary>
    /// Remembers <paramref name="idHash"/> with <paramref name="minute"/> (minutes since the epoch, as
    /// <see cref="WriteTo"/> writes them) unless it is already remembered or the minute is before the
    /// expiry cut of the last <see cref="Expire"/> (none yet: every minute is kept). For ids another
    /// set remembered (<see cref="Import"/>); counts nothing. At the cap the oldest minutes are
    /// forgotten as in <see cref="TryAdd"/>, counted in <see cref="Evictions"/>. Shares the lookup and
    /// the insertion with <see cref="TryAdd"/>.
    /// </summary>
    /// <returns><c>true</c> when the id was added.</returns>
    public bool TryAddImported(ulong idHash, int minute)
    {
        if (idHash == 0 || minute < 0)
            throw new ArgumentOutOfRangeException(nameof(idHash), $"dedup entry {idHash:x16} at minute {minute} is not valid");
        if (minute < _keepFrom)
            return false;
        return TryAddAt(idHash, minute);
    }

    /// <summary>
    /// Adds the ids of another set, as its <see cref="WriteTo"/> wrote them (<paramref name="written"/>,
    /// exactly those bytes), with <see cref="TryAddImported"/>: the other set's evictions and capacity
    /// are not taken over. The whole of <paramref name="written"/> is checked before anything is added,
    /// so corrupt data (<see cref="InvalidDataException"/>) adds nothing.
    /// </summary>
    /// <returns>How many ids were added.</returns>
    public int Import(ReadOnlySpan<byte> written)
    {
        var check = new Checkpoints.CheckpointReader(written);
        int count = ReadImportHeader(ref check);
        for (int n = 0; n < count; n++)
        {
            ulong key = check.ReadUInt64();
            int bucket = check.ReadInt32();
            if (key == 0 || bucket < 0)
                throw new InvalidDataException($"dedup entry {key:x16} at minute {bucket} is not valid");
        }
        if (check.Remaining != 0)
            throw new InvalidDataException($"{check.Remaining} unexpected bytes after the dedup set's {count} ids");

        var r = new Checkpoints.CheckpointReader(written);
        ReadImportHeader(ref r);
        int added = 0;
        for (int n = 0; n < count; n++)
        {
            ulong key = r.ReadUInt64();
            int bucket = r.ReadInt32();
            if (TryAddImported(key, bucket))
                added++;
        }
        return added;
    }

    private static int ReadImportHeader(ref Checkpoints.CheckpointReader r)
    {
        long evictions = r.ReadInt64();
        int capacity = r.ReadInt32();
        int count = r.ReadCount(12);
        if (evictions < 0 || capacity < 1024 || capacity > 1 << 30 || !System.Numerics.BitOperations.IsPow2(capacity) || (long)count * 2 > capacity)
            throw new InvalidDataException($"dedup table of {capacity} slots holding {count} ids ({evictions} evictions) is not valid");
        return count;
    }

    private void Maintain()
    {
        if (_oldestBucket < _keepFrom || Count >= _maxEntries)
        {
            FinishSweep();
            FinishGrowing(); // removal compacts one table in place
            if (!TryStartSweep())
            {
                EndSnapshot(); // removing at once moves ids: the snapshot must not see that
                if (_oldestBucket < _keepFrom)
                    RemoveOlderThan(_keepFrom, countAsEvictions: false);
                if (Count >= _maxEntries)
                {
                    // Full: forget the oldest minutes until at most three quarters of the cap remain.
                    int target = _maxEntries / 4 * 3;
                    long cut = EvictionCut(target);
                    if (cut != long.MinValue)
                        RemoveOlderThan(cut, countAsEvictions: true);
                    while (Count > target && _oldestBucket != long.MaxValue)
                        RemoveOlderThan(_oldestBucket + 1, countAsEvictions: true);
                }
            }
        }
        if (Count * 2 > _keys.Length)
            Grow();
    }

    /// <summary>
    /// Forgets what <see cref="Maintain"/> would remove at once (the ids past the expiry cut, then at the
    /// cap the oldest minutes down to three quarters of it) by counting them out of the per-minute
    /// counts now and sweeping their slots over the next inserts. <c>false</c>, changing nothing, when
    /// the remembered minutes span more than the per-minute counts hold; the caller then removes at once.
    /// </summary>
    private bool TryStartSweep()
    {
        long oldest = _oldestBucket, newest = _newestBucket;
        if (newest == long.MinValue || newest - oldest + 1 > _perMinute.Length)
            return false;
        int ring = _perMinute.Length - 1;
        long cut = oldest;
        int expired = 0, evicted = 0;
        if (oldest < _keepFrom)
        {
            for (; cut < _keepFrom && cut <= newest; cut++)
                expired += _perMinute[(int)cut & ring];
            cut = Math.Max(cut, _keepFrom);
        }
        if (Count - expired >= _maxEntries)
            (cut, evicted) = CutByMinutes(cut, newest, Count - expired, _maxEntries / 4 * 3); // as EvictionCut
        for (long m = oldest; m < cut && m <= newest; m++)
            _perMinute[(int)m & ring] = 0;
        Count -= expired + evicted;
        Evictions += evicted;
        if (Count == 0)
        {
            _oldestBucket = long.MaxValue;
            _newestBucket = long.MinValue;
        }
        else
        {
            _oldestBucket = cut; // no id before it remains; the oldest may be later (only a bound)
        }
        if (expired + evicted == 0)
            return true;
        int start = 0;
        while (_keys[start] != 0)
            start++; // at most half full, so there is an empty slot
        _sweeping = true;
        _sweepBelow = (int)cut;
        _sweepAt = (start + 1) & _mask;
        _sweepLeft = _keys.Length;
        _stepIn = InsertsPerStep;
        return true;
    }

    /// <summary>The next step of the move or the sweep (one at a time: a growth takes a sweep over).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Step()
    {
        _stepIn = InsertsPerStep;
        if (_oldKeys is not null)
            MoveSome();
        else
            SweepSome();
    }

    /// <summary>Sweeps the next step's slots or so, up to an empty one. Not while a snapshot is open: it reads the table as it was when it began.</summary>
    private void SweepSome()
    {
        if (_snapshot is null)
            SweepOn(SweepSlotsPerInsert * InsertsPerStep);
    }

    /// <summary>Sweeps what is left, if sweeping (before removing or restoring, and before an id of a dead minute comes back).</summary>
    private void FinishSweep()
    {
        if (!_sweeping)
            return;
        EndSnapshot();
        SweepOn(int.MaxValue);
    }

    /// <summary>
    /// The in-place compaction of <see cref="RemoveOlderThan"/>, from <see cref="_sweepAt"/> on, for at
    /// least <paramref name="budget"/> slots and then up to an empty one, so that it stops between
    /// clusters: the ids inserted meanwhile (never of a dead minute, see <see cref="TryAdd"/>) keep every
    /// probe path whole, as the pass keeps every id at or before where it was.
    /// </summary>
    private void SweepOn(int budget)
    {
        NativeTable<ulong> keys = _keys;
        NativeTable<int> buckets = _buckets;
        int mask = _mask;
        int deadBelow = _sweepBelow;
        int j = _sweepAt, left = _sweepLeft;
        for (; left > 0; left--, j = (j + 1) & mask, budget--)
        {
            ulong k = keys[j];
            if (k == 0)
            {
                if (budget <= 0)
                    break;
                continue;
            }
            int b = buckets[j];
            keys[j] = 0;
            if (b < deadBelow)
                continue; // counted out when the sweep began
            Place(keys, buckets, mask, k, b);
        }
        _sweepAt = j;
        _sweepLeft = left;
        if (left == 0)
        {
            _sweeping = false;
            _sweepBelow = int.MinValue;
        }
    }

    /// <summary>
    /// The first minute to keep so that at most <paramref name="target"/> ids remain when the oldest
    /// minutes are forgotten whole: the same cut as forgetting one minute at a time, found with one
    /// counting pass instead of one rehash per minute. <see cref="long.MinValue"/> when the minutes
    /// span too wide a range to count (the caller then falls back to minute by minute).
    /// </summary>
    private long EvictionCut(int target)
    {
        long oldest = _oldestBucket;
        long newest = _newestBucket;
        NativeTable<ulong> keys = _keys;
        NativeTable<int> buckets = _buckets;
        long span = newest - oldest + 1;
        if (newest == long.MinValue || span > 1 << 20)
            return long.MinValue;
        if (span <= _perMinute.Length)
            return CutByMinutes(oldest, newest, Count, target).Cut;
        if (_minuteCounts.Length < span)
            _minuteCounts = new int[Math.Max(span, _minuteCounts.Length * 2)];
        Array.Clear(_minuteCounts, 0, (int)span);
        for (int j = 0; j < keys.Length; j++)
        {
            if (keys[j] != 0)
                _minuteCounts[buckets[j] - oldest]++;
        }
        long remaining = Count;
        long cut = oldest;
        for (int m = 0; m < span && remaining > target; m++)
        {
            remaining -= _minuteCounts[m];
            cut = oldest + m + 1;
        }
        return cut;
    }

    /// <summary>
    /// From the per-minute counts (exact while the minutes span no more than they hold): the first
    /// minute to keep, forgetting whole minutes from <paramref name="from"/> (no id is older) up, so
    /// that at most <paramref name="target"/> of <paramref name="count"/> ids remain; and how many ids
    /// are before it.
    /// </summary>
    private (long Cut, int Before) CutByMinutes(long from, long newest, int count, int target)
    {
        int ring = _perMinute.Length - 1;
        int left = count;
        long cut = from;
        for (; left > target && cut <= newest; cut++)
            left -= _perMinute[(int)cut & ring];
        return (cut, count - left);
    }

    /// <summary>
    /// Forgets every id whose minute is before <paramref name="keepFrom"/>, in place. The pass starts
    /// just after an empty slot, so it meets every cluster (run of occupied slots) from its first
    /// slot; each id is lifted out and put back at the first free slot from its home. Every slot between
    /// its home and its old position is either already final or free, so the id lands at or before
    /// where it was, and the table is what inserting the kept ids in that order would build.
    /// </summary>
    private void RemoveOlderThan(long keepFrom, bool countAsEvictions)
    {
        NativeTable<ulong> keys = _keys;
        NativeTable<int> buckets = _buckets;
        int mask = _mask;
        int start = 0;
        while (keys[start] != 0)
            start++; // at most half full, so there is an empty slot
        int count = 0;
        long oldest = long.MaxValue;
        long newest = long.MinValue;
        for (int n = 0, j = (start + 1) & mask; n < keys.Length; n++, j = (j + 1) & mask)
        {
            ulong k = keys[j];
            if (k == 0)
                continue;
            int b = buckets[j];
            keys[j] = 0;
            if (b < keepFrom)
            {
                _perMinute[b & (_perMinute.Length - 1)]--;
                continue;
            }
            Place(keys, buckets, mask, k, b);
            count++;
            if (b < oldest)
                oldest = b;
            if (b > newest)
                newest = b;
        }
        if (countAsEvictions)
            Evictions += Count - count;
        Count = count;
        _oldestBucket = oldest;
        _newestBucket = newest;
    }

    /// <summary>
    /// Doubles the table, once the doubled one is ready (see <see cref="_nextKeys"/>); until then the
    /// set goes on in its table and <see cref="GrowWhenReady"/> looks again at each insert. The ids
    /// move into the new table over the next inserts (<see cref="MoveSome"/>).
    /// </summary>
    private void Grow()
    {
        if (_nextKeys is null)
        {
            int capacity = _keys.Length * 2;
            var keys = new NativeTable<ulong>(capacity, _hugePages);
            var buckets = new NativeTable<int>(capacity, _hugePages);
            _nextKeys = keys;
            _nextBuckets = buckets;
            _hurry = false;
            _nextReady = (long)capacity * sizeof(ulong) >= LargeTables.MinMappedBytes
                ? Task.Factory.StartNew(() =>
                {
                    // Keys are two thirds of the bytes, buckets the rest.
                    keys.Populate(done => Hurry(done * 2 / 3));
                    buckets.Populate(done => Hurry((2 + done) / 3));
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.CompletedTask;
        }
        GrowWhenReady();
    }

    /// <summary>
    /// Grows into the doubled table when it is ready and no snapshot is open (its tagged slots are in
    /// this table), or regardless once the table is <see cref="MaxLoadEighths"/> full. Expiry and
    /// eviction are not redone here: they ran when the set became half full, as if it had grown then.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowWhenReady()
    {
        bool full = (long)Count * 8 > (long)_keys.Length * MaxLoadEighths;
        if (!full && (!_nextReady!.IsCompleted || _snapshot is not null))
            return;
        _hurry = true;
        EndSnapshot();
        FinishGrowing(); // a move still going on (only if snapshots held it up this long)
        _nextReady!.Wait();
        _oldKeys = _keys;
        _oldBuckets = _buckets;
        _oldMask = _mask;
        _moveFrom = 0;
        _stepIn = InsertsPerStep;
        // A sweep still going on ends here: the move leaves its dead ids behind.
        _oldDeadBelow = _sweeping ? _sweepBelow : int.MinValue;
        _sweeping = false;
        _sweepBelow = int.MinValue;
        _keys = _nextKeys!;
        _buckets = _nextBuckets!;
        _mask = _keys.Length - 1;
        _nextKeys = null;
        _nextBuckets = null;
        _nextReady = null;
    }

    /// <summary>Frees the doubled table being made ready, if any (restoring into an empty set).</summary>
    private void DiscardNext()
    {
        if (_nextKeys is null)
            return;
        _hurry = true;
        _nextReady!.Wait();
        _nextKeys.Dispose();
        _nextBuckets!.Dispose();
        _nextKeys = null;
        _nextBuckets = null;
        _nextReady = null;
    }

    /// <summary>
    /// Moves the ids of the next step's slots of the previous table (<see cref="MovesPerInsert"/> per
    /// insert) into the table, and frees the previous one when all have moved. Not while a snapshot is open: it reads
    /// both tables as they were when it began (<see cref="Tables"/>), so moving waits for its end.
    /// </summary>
    private void MoveSome()
    {
        if (_snapshot is not null)
            return;
        MoveUpTo(Math.Min(_moveFrom + MovesPerInsert * InsertsPerStep, _oldKeys!.Length));
    }

    /// <summary>Moves every id still in the previous table, if growing (before removal, which works on one table), completing an open snapshot first.</summary>
    private void FinishGrowing()
    {
        if (_oldKeys is null)
            return;
        EndSnapshot(); // moving changes what a snapshot reads
        MoveUpTo(_oldKeys.Length);
    }

    private void MoveUpTo(int end)
    {
        Debug.Assert(_snapshot is null);
        NativeTable<ulong> oldKeys = _oldKeys!;
        NativeTable<int> oldBuckets = _oldBuckets!;
        NativeTable<ulong> keys = _keys;
        int mask = _mask;
        int deadBelow = _oldDeadBelow;
        for (int j = _moveFrom; j < end; j++)
        {
            ulong k = oldKeys[j];
            if (k == 0 || oldBuckets[j] < deadBelow)
                continue;
            Place(keys, _buckets, mask, k, oldBuckets[j]);
        }
        _moveFrom = end;
        if (end == oldKeys.Length)
        {
            // Every id has moved and no snapshot reads the previous table: it is freed at once.
            oldKeys.Dispose();
            oldBuckets.Dispose();
            _oldKeys = null;
            _oldBuckets = null;
            _oldDeadBelow = int.MinValue;
        }
    }
}
