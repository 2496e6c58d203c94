using System.Buffers;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// A piece of engine state that is saved in checkpoints and restored from them (docs/reliability.md).
/// A checkpoint is one record holding a section per component, each with the component's own format
/// version, next to the input offsets the state reflects (<see cref="StateCheckpoint"/>); the host
/// writes and restores them together, so state and offsets never disagree.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="WriteCheckpoint"/> is called on the thread that owns the state (the
/// engine thread), between batches. <see cref="ReadCheckpoint"/> is called once, on a freshly built
/// component, before it sees any event and before consumption starts (restoring may intern
/// dimension values: interner ids are not stable across processes, so state is written by value).
/// </remarks>
public interface ICheckpointable
{
    /// <summary>The version of the format <see cref="WriteCheckpoint"/> writes. Bump it when the format changes.</summary>
    int CheckpointVersion { get; }

    /// <summary>Writes the component's state.</summary>
    void WriteCheckpoint(IBufferWriter<byte> output);

    /// <summary>
    /// Restores state written by <see cref="WriteCheckpoint"/> with format <paramref name="version"/>.
    /// Throws <see cref="InvalidDataException"/> with a message a person can act on when the data
    /// cannot be used (unknown version, corrupt, written for another configuration).
    /// </summary>
    void ReadCheckpoint(ReadOnlySpan<byte> data, int version);
}
