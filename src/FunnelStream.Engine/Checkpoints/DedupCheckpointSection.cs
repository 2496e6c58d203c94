using System.Buffers;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>The dedup set of a <see cref="FunnelEngine"/> as a checkpoint section (<see cref="FunnelEngine.DedupState"/>).</summary>
internal sealed class DedupCheckpointSection(FunnelEngine engine) : ISnapshotCheckpointable
{
    /// <summary>The one format: what the engine section of format 1 ended with.</summary>
    public const int Version = 1;

    public int CheckpointVersion => Version;

    public void WriteCheckpoint(IBufferWriter<byte> output) => engine.WriteDedupSection(output);

    /// <summary>The header now, the ids on any thread while the engine counts on (<see cref="State.DedupSet.BeginSnapshot"/>).</summary>
    public ICheckpointSnapshot BeginSnapshot(IBufferWriter<byte> output) => engine.BeginDedupSnapshot(output);

    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version) => engine.ReadDedupSection(data, version);
}
