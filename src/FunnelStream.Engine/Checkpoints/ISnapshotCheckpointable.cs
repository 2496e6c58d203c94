using System.Buffers;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// A component whose checkpoint section can be written while its owner goes on: the owner freezes a
/// view of the state (<see cref="BeginSnapshot"/>, cheap) and any thread writes it out
/// (<see cref="ICheckpointSnapshot.Complete"/>). For state too large to write on the engine thread
/// without pausing the counting for tens of milliseconds (the dedup set: 12 bytes per remembered id).
/// </summary>
/// <remarks>
/// <see cref="StateCheckpoint.Begin"/> writes such sections after all the others. The bytes written
/// are exactly what <see cref="ICheckpointable.WriteCheckpoint"/> would have written at the moment of
/// <see cref="BeginSnapshot"/>, however the state changed since.
/// </remarks>
public interface ISnapshotCheckpointable : ICheckpointable
{
    /// <summary>
    /// Owner thread, between batches: fixes the state to be written as it is now, and may write the
    /// start of the section into <paramref name="output"/>. The rest is written by
    /// <see cref="ICheckpointSnapshot.Complete"/> into the same <paramref name="output"/>, on any thread,
    /// while the owner goes on changing the state. Until then nothing else may write into
    /// <paramref name="output"/>. At most one snapshot of a component is open: beginning another
    /// completes the previous one first (on the owner thread).
    /// </summary>
    ICheckpointSnapshot BeginSnapshot(IBufferWriter<byte> output);
}

/// <summary>The unfinished rest of a section begun with <see cref="ISnapshotCheckpointable.BeginSnapshot"/>.</summary>
public interface ICheckpointSnapshot
{
    /// <summary>
    /// Writes the rest of the section into the output given to <see cref="ISnapshotCheckpointable.BeginSnapshot"/>.
    /// Any thread, also concurrently with the owner, which may have to complete the snapshot itself
    /// before some changes: the section is written once, and every call returns when it is written.
    /// </summary>
    void Complete();
}
