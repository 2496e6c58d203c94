using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FunnelStream.Engine.State;

/// <summary>
/// The big hash tables of the engine (the dedup set: 8M slots, 96 MB at the default cap), in native
/// memory and, on Linux, backed by transparent huge pages where the kernel allows it
/// (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> = <c>madvise</c> or <c>always</c>).
/// </summary>
/// <remarks>
/// <para>
/// Why huge pages: every new event id is an insert at a random slot of that table. With 4 KB pages each
/// insert misses the TLB as well as the cache (a page walk, often itself a memory access); with 2 MB
/// pages the whole table needs a few dozen TLB entries (issue 8, DedupBenchmarks). A large table is
/// allocated 2 MB-aligned and advised with <c>madvise(MADV_HUGEPAGE)</c> before its first touch, then
/// cleared. The advice is only a hint: if the call fails, or on other systems, the memory is ordinary
/// and everything works the same.
/// </para>
/// <para>
/// Why native memory: the dedup set doubles its table as it fills (1024 slots up to 8M). As managed
/// arrays those doublings were ~190 MB of pinned-object-heap allocations on the way to the cap, which
/// spend the budget that triggers gen-2 collections (the load harness counted them; benchmarks/RESULTS.md).
/// The GC never sees native memory. A table is freed when its owner disposes it, or by its finalizer.
/// </para>
/// <para>
/// Why mapped, not allocated and cleared: on Linux a large table is an anonymous mapping, which the
/// kernel hands out zeroed page by page as it is first written. Clearing a 96 MB table on allocation
/// held the engine thread 100-150 ms when the dedup set doubled (issue 8, benchmarks/RESULTS.md); a
/// mapping costs microseconds, and <see cref="NativeTable{T}.Populate"/> lets another thread take the
/// page faults ahead of the owner.
/// </para>
/// </remarks>
internal static partial class LargeTables
{
    /// <summary>Below this many bytes a table gets no advice (it would not span a huge page).</summary>
    public const long MinAdvisedBytes = 4L << 20;

    /// <summary>From this many bytes a table is mapped rather than allocated and cleared (Linux).</summary>
    public const long MinMappedBytes = 1L << 20;

    internal const long HugePageBytes = 2L << 20;
    private const int MadvHugePage = 14;

    /// <summary>Advises <paramref name="bytes"/> at <paramref name="start"/> (2 MB-aligned) to be backed by huge pages; a hint, failure changes nothing.</summary>
    internal static void AdviseHugePages(nint start, long bytes)
    {
        long length = bytes & ~(HugePageBytes - 1);
        if (length == 0 || !OperatingSystem.IsLinux())
            return;
        try
        {
            _ = Madvise(start, (nuint)length, MadvHugePage);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc madvise (an unusual Linux): ordinary pages.
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MadvPopulateWrite = 23;

    /// <summary>
    /// Maps <paramref name="bytes"/> of zeroed memory, 2 MB-aligned, advised for huge pages when
    /// <paramref name="advise"/>; 0 where mapping is not available (not Linux, or it failed), and the
    /// caller then allocates. The mapping is <see cref="MappedBytes"/> long.
    /// </summary>
    internal static nint Map(long bytes, bool advise)
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        long mapped = MappedBytes(bytes);
        nint raw;
        try
        {
            raw = Mmap(0, (nuint)(mapped + HugePageBytes), ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
        if (raw == -1)
            return 0;
        // Over-mapped by a huge page; the unaligned head and the tail beyond the table go back at once.
        nint start = (nint)(((long)raw + HugePageBytes - 1) & ~(HugePageBytes - 1));
        if (start != raw)
            _ = Munmap(raw, (nuint)(start - raw));
        long tail = (long)raw + mapped + HugePageBytes - ((long)start + mapped);
        if (tail > 0)
            _ = Munmap((nint)((long)start + mapped), (nuint)tail);
        if (advise)
            AdviseHugePages(start, mapped);
        return start;
    }

    /// <summary>How long the mapping of a table of <paramref name="bytes"/> is: whole 4 KB pages.</summary>
    internal static long MappedBytes(long bytes) => (bytes + 4095) & ~4095L;

    internal static void Unmap(nint start, long bytes) => _ = Munmap(start, (nuint)MappedBytes(bytes));

    /// <summary>
    /// Faults in every page of a mapping, writable, without changing its contents (Linux 5.14+; elsewhere
    /// nothing), one huge page's worth at a time, resting between pieces unless <paramref name="hurry"/>,
    /// given the fraction done so far, says the owner needs the table sooner. Any thread; it blocks for
    /// the whole time.
    /// </summary>
    /// <remarks>
    /// Paced because faulting in fresh memory disturbs the rest of the process. At 50,000 events/s in
    /// the load harness, populating a 96 MB table took ~200-430 ms on the 2-core test VM; in one call,
    /// or in 2 MB pieces without rests (even at the lowest CPU priority), records were delayed 70-370 ms
    /// at each doubling, and the consumer thread, traced, stopped handing batches over for 36-74 ms at a
    /// time. Resting three times as long as each piece took spreads the work out, and those delays went
    /// (issue 8, benchmarks/RESULTS.md). Why it disturbs is not established: the kernel
    /// holds the process's memory-map lock through each call, and on a VM the first touch of guest
    /// memory is also the host's work.
    /// </remarks>
    internal static void Populate(nint start, long bytes, Func<double, bool> hurry)
    {
        long length = MappedBytes(bytes);
        try
        {
            for (long at = 0; at < length; at += HugePageBytes)
            {
                long began = Stopwatch.GetTimestamp();
                // Older kernels: EINVAL, and the faults come later, as the owner writes.
                if (Madvise((nint)((long)start + at), (nuint)Math.Min(HugePageBytes, length - at), MadvPopulateWrite) != 0)
                    return;
                double done = (double)Math.Min(at + HugePageBytes, length) / length;
                if (!hurry(done) && done < 1) // no rest after the last piece: the table is ready
                    Thread.Sleep(TimeSpan.FromTicks(Math.Clamp(Stopwatch.GetElapsedTime(began).Ticks * 3, TimeSpan.TicksPerMillisecond, MaxRestTicks)));
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc madvise: the pages are faulted in as they are first written.
        }
    }

    private const long MaxRestTicks = 20 * TimeSpan.TicksPerMillisecond;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}

/// <summary>
/// A zeroed table of <typeparamref name="T"/> in native memory, huge-page advised when large
/// (<see cref="LargeTables"/>). Indexing is unchecked beyond a debug assertion: its users keep their
/// indexes masked to the length. Single owner; <see cref="Dispose"/> frees it at once.
/// </summary>
internal sealed unsafe class NativeTable<T> : IDisposable where T : unmanaged
{
    private T* _items;
    // Whether _items is a mapping (LargeTables.Map) rather than an allocation.
    private readonly bool _mapped;

    /// <param name="length">Elements, all zero.</param>
    /// <param name="hugePages">Whether a table of at least <see cref="LargeTables.MinAdvisedBytes"/> asks for huge pages; <c>false</c> only to measure the difference.</param>
    public NativeTable(int length, bool hugePages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        long bytes = (long)length * sizeof(T);
        bool advise = hugePages && bytes >= LargeTables.MinAdvisedBytes;
        if (bytes >= LargeTables.MinMappedBytes && LargeTables.Map(bytes, advise) is var start and not 0)
        {
            _items = (T*)start;
            _mapped = true;
        }
        else
        {
            _items = (T*)NativeMemory.AlignedAlloc((nuint)bytes, advise ? (nuint)LargeTables.HugePageBytes : 64);
            if (advise)
                LargeTables.AdviseHugePages((nint)_items, bytes);
            NativeMemory.Clear(_items, (nuint)bytes);
        }
        Length = length;
    }

    ~NativeTable() => Free();

    public int Length { get; }

    /// <summary>The element at <paramref name="index"/> (0 ≤ index &lt; <see cref="Length"/>, not checked in release builds).</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            Debug.Assert((uint)index < (uint)Length && _items != null);
            return ref _items[index];
        }
    }

    /// <summary>
    /// Takes the page faults of the whole table now, on the calling thread, so that its owner's first
    /// writes do not (a mapped table; otherwise nothing to do), paced unless <paramref name="hurry"/>
    /// (<see cref="LargeTables.Populate"/>). Safe while the owner reads and writes it; not after
    /// <see cref="Dispose"/>.
    /// </summary>
    public void Populate(Func<double, bool> hurry)
    {
        if (_mapped && _items != null)
            LargeTables.Populate((nint)_items, (long)Length * sizeof(T), hurry);
    }

    /// <summary>The address of the element at <paramref name="index"/>, for prefetching.</summary>
    public T* AddressOf(int index) => _items + index;

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_items == null)
            return;
        if (_mapped)
            LargeTables.Unmap((nint)_items, (long)Length * sizeof(T));
        else
            NativeMemory.AlignedFree(_items);
        _items = null;
    }
}
