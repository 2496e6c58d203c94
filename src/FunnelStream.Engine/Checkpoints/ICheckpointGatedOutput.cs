namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// Output that must not leave the process before a checkpoint that holds it is durable, so that a
/// restart, which restores that checkpoint or a later one, never makes it again differently (window
/// records: what a restart from an older checkpoint makes of the same events can depend on processing
/// time). The output is part of the checkpoint (as an <see cref="ICheckpointable"/> section) and is
/// released once that checkpoint is saved; a restored checkpoint's held output is released again,
/// unchanged (docs/reliability.md, "Output records").
/// </summary>
/// <remarks>
/// The host numbers its captures 1, 2, 3, ...; checkpoint 0 is the one restored at start-up (or
/// none). All members are called on the engine thread, between batches.
/// </remarks>
public interface ICheckpointGatedOutput
{
    /// <summary>Whether output is held that no capture has included yet: a checkpoint should be taken at the next interval.</summary>
    bool HasUncaptured { get; }

    /// <summary>Called right after capture number <paramref name="checkpoint"/>: everything held now is in it.</summary>
    void Captured(long checkpoint);

    /// <summary>
    /// Called once capture number <paramref name="checkpoint"/> is durable (saves complete in capture
    /// order): releases, in the order it was held, everything that capture or an earlier one included.
    /// </summary>
    void Release(long checkpoint);
}
