using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Checkpoint support (the host's <c>sales-cycles</c> section). Format 1: the configuration fingerprint
/// (window sizes, allowed lateness); the windowed sums (pruning state, breakdowns by value, per window
/// and breakdown the sum and count of cycles); the rolling ring's used minutes. Breakdown slots are
/// written by value: see <see cref="WindowedSalesCycles"/>.
/// </summary>
/// <remarks>
/// The tracker's sums must agree with the journey rows that feed it (a changed cycle takes back the
/// old contribution), so restore it from the same checkpoint as its <see cref="JourneyStore"/>.
/// When windows are kept, <see cref="UseSlotNames"/> must have been called before
/// <see cref="WriteCheckpoint"/> (the worker keeps none; replay names the slots).
/// </remarks>
public sealed partial class SalesCycleTracker : ICheckpointable
{
    /// <inheritdoc />
    public int CheckpointVersion => 1;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Windows are kept and the slots have not been named (<see cref="UseSlotNames"/>).</exception>
    public void WriteCheckpoint(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new CheckpointWriter(output);
        JourneyCheckpointFingerprint.Write(w, Fingerprint());
        _windows.WriteCheckpoint(w);
        _rolling.WriteCheckpoint(w);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">This tracker has already been fed or told a watermark.</exception>
    public void ReadCheckpoint(ReadOnlySpan<byte> data, int version)
    {
        if (!_windows.IsFresh || !_rolling.IsEmpty)
            throw new InvalidOperationException("a sales-cycle checkpoint can only be restored into a freshly built SalesCycleTracker, before any event");
        if (version != CheckpointVersion)
        {
            throw new InvalidDataException(
                $"sales-cycle checkpoint format {version} is not supported (this build reads {CheckpointVersion}): run the version that wrote it, or start from fresh state (see docs/reliability.md)");
        }
        var r = new CheckpointReader(data);
        JourneyCheckpointFingerprint.Check(ref r, "sales-cycle", Fingerprint());
        WindowedSalesCycles.State windows = _windows.ReadCheckpoint(ref r);
        (long Minute, long Seconds, long Count)[] rolling = _rolling.ReadCheckpoint(ref r);
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the sales-cycle state");
        _windows.Restore(windows);
        _rolling.Restore(rolling);
    }

    /// <summary>The slot id of a breakdown restored by value (the journey store's rows share it).</summary>
    internal int RestoredSlot(string[] values) => _windows.RestoredSlot(values);

    /// <summary>The values of <paramref name="slot"/> for a checkpoint, or <c>null</c> when the slot is never read (see <see cref="WindowedSalesCycles.SlotValues"/>).</summary>
    internal string[]? SlotValues(int slot) => _windows.SlotValues(slot);

    private KeyValuePair<string, string>[] Fingerprint() =>
    [
        new("sales-cycle window sizes", _windows.SizesText),
        new("FunnelStream:Windows:AllowedLateness", JourneyCheckpointFingerprint.Duration(_windows.Lateness)),
    ];
}
