using System.Runtime.InteropServices;

namespace FunnelStream.Engine.State;

/// <summary>
/// Allocates the big hash tables of the engine (the dedup set: 8M slots, 96 MB at the default cap)
/// so that, on Linux, they are backed by transparent huge pages where the kernel allows it
/// (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> = <c>madvise</c> or <c>always</c>).
/// </summary>
/// <remarks>
/// Why: every new event id is an insert at a random slot of that table. With 4 KB pages each insert
/// misses the TLB as well as the cache (a page walk, often itself a memory access); with 2 MB pages
/// the whole table needs a few dozen TLB entries (issue 8, DedupBenchmarks). The array is allocated
/// pinned (on the pinned object heap, never moved), the 2 MB-aligned part of it is advised with
/// <c>madvise(MADV_HUGEPAGE)</c> before its first touch, then cleared. The advice is only a hint: if the
/// call fails, or on other systems, the array is an ordinary one and everything works the same.
/// </remarks>
internal static partial class LargeTables
{
    /// <summary>Below this many bytes an array gets no advice (it would not span a huge page).</summary>
    public const long MinAdvisedBytes = 4L << 20;

    private const long HugePageBytes = 2L << 20;
    private const int MadvHugePage = 14;

    /// <summary>A zeroed array of <paramref name="length"/> elements, huge-page advised when <paramref name="hugePages"/> and large enough.</summary>
    public static T[] Allocate<T>(int length, bool hugePages) where T : unmanaged
    {
        long bytes = (long)length * Marshal.SizeOf<T>();
        if (!hugePages || bytes < MinAdvisedBytes || !OperatingSystem.IsLinux())
            return new T[length];
        T[] array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        long start = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        long first = (start + HugePageBytes - 1) & ~(HugePageBytes - 1);
        long last = (start + bytes) & ~(HugePageBytes - 1);
        if (last > first)
        {
            try
            {
                _ = Madvise((nint)first, (nuint)(last - first), MadvHugePage); // a hint: failure changes nothing
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No libc madvise (an unusual Linux): ordinary pages.
            }
        }
        Array.Clear(array);
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
