using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Outputs.Topics;

/// <summary>
/// Holds the engine sink's records until a checkpoint that includes them is durable, then publishes
/// them to the target in the order they were made. A record therefore never leaves before the state
/// that made it is durable: a restarted worker restores that state or a later one, so it never
/// publishes a key and revision again with other numbers. Without the hold it could: restarted from
/// an older checkpoint, it reads the events after it again, and what it makes of them can depend on
/// processing time — a quiet stream's provisional flush, an idle partition no longer holding the
/// watermark back — so it could number another record with a revision already published. A crash
/// before the checkpoint loses only held records, which the restarted worker makes again from the
/// events. After a restore, the checkpoint's held records are published again, unchanged: one that
/// was already delivered repeats identically (docs/reliability.md, "Output records").
/// </summary>
/// <remarks>
/// Used only with checkpoints on; without, a crash loses the state anyway and records go straight to
/// the target. Records leave up to one checkpoint interval (plus the save) after they are made.
/// Engine thread only. Memory: the records made since the last durable checkpoint.
/// </remarks>
public sealed partial class CheckpointGatedRecords(IKpiRecordTarget target) : IKpiRecordTarget, ICheckpointGatedOutput
{
    private const long NotCaptured = long.MaxValue;
    private readonly List<Held> _held = [];

    /// <summary>Records held now.</summary>
    public int Count => _held.Count;

    /// <summary>Records released after their checkpoint was saved, since start.</summary>
    public long Released { get; private set; }

    /// <inheritdoc />
    public bool HasUncaptured => _held.Count > 0 && _held[^1].Checkpoint == NotCaptured;

    /// <inheritdoc />
    public void Publish(KpiRecord record) => _held.Add(new Held(record, NotCaptured));

    /// <inheritdoc />
    public void Captured(long checkpoint)
    {
        // Held records are appended, so the ones not captured yet are a suffix.
        for (int i = _held.Count - 1; i >= 0 && _held[i].Checkpoint == NotCaptured; i--)
            _held[i] = _held[i] with { Checkpoint = checkpoint };
    }

    /// <inheritdoc />
    public void Release(long checkpoint)
    {
        int released = 0;
        while (released < _held.Count && _held[released].Checkpoint <= checkpoint)
            target.Publish(_held[released++].Record);
        _held.RemoveRange(0, released);
        Released += released;
    }

    private readonly record struct Held(KpiRecord Record, long Checkpoint);
}
