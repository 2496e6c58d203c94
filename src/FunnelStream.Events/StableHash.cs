using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FunnelStream.Events;

/// <summary>
/// A fast, seedless 64-bit hash of bytes (xxHash64's round and avalanche, one lane), stable across
/// processes and machines so that hashes may be checkpointed. Not cryptographic.
/// </summary>
public static class StableHash
{
    private const ulong P1 = 11400714785074694791UL;
    private const ulong P2 = 14029467366897019727UL;
    private const ulong P3 = 1609587929392839161UL;
    private const ulong P4 = 9650029242287828579UL;
    private const ulong P5 = 2870177450012600261UL;

    /// <summary>Hashes <paramref name="data"/>. Never returns 0 (0 means "absent" in <see cref="FunnelEvent"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong h = P5 + (ulong)data.Length;
        while (data.Length >= 8)
        {
            ulong k = BinaryPrimitives.ReadUInt64LittleEndian(data);
            k *= P2;
            k = BitOperations.RotateLeft(k, 31);
            k *= P1;
            h ^= k;
            h = BitOperations.RotateLeft(h, 27) * P1 + P4;
            data = data[8..];
        }
        if (data.Length >= 4)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data) * P1;
            h = BitOperations.RotateLeft(h, 23) * P2 + P3;
            data = data[4..];
        }
        foreach (byte b in data)
        {
            h ^= b * P5;
            h = BitOperations.RotateLeft(h, 11) * P1;
        }
        h ^= h >> 33;
        h *= P2;
        h ^= h >> 29;
        h *= P3;
        h ^= h >> 32;
        return h == 0 ? 1 : h;
    }
}
