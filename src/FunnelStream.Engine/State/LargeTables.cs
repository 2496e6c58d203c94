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
/// </remarks>
internal static partial class LargeTables
{
    /// <summary>Below this many bytes a table gets no advice (it would not span a huge page).</summary>
    public const long MinAdvisedBytes = 4L << 20;

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
}

/// <summary>
/// A zeroed table of <typeparamref name="T"/> in native memory, huge-page advised when large
/// (<see cref="LargeTables"/>). Indexing is unchecked beyond a debug assertion: its users keep their
/// indexes masked to the length. Single owner; <see cref="Dispose"/> frees it at once.
/// </summary>
internal sealed unsafe class NativeTable<T> : IDisposable where T : unmanaged
{
    private T* _items;

    /// <param name="length">Elements, all zero.</param>
    /// <param name="hugePages">Whether a table of at least <see cref="LargeTables.MinAdvisedBytes"/> asks for huge pages; <c>false</c> only to measure the difference.</param>
    public NativeTable(int length, bool hugePages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        long bytes = (long)length * sizeof(T);
        bool advise = hugePages && bytes >= LargeTables.MinAdvisedBytes;
        _items = (T*)NativeMemory.AlignedAlloc((nuint)bytes, advise ? (nuint)LargeTables.HugePageBytes : 64);
        if (advise)
            LargeTables.AdviseHugePages((nint)_items, bytes);
        NativeMemory.Clear(_items, (nuint)bytes);
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
        NativeMemory.AlignedFree(_items);
        _items = null;
    }
}
