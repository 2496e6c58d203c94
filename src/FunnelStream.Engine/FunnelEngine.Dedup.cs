using System.Buffers;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine;

// The dedup set as a checkpoint section of its own, and importing another instance's (a partition
// handed over: its previous owner's remembered ids, so that a producer retry straddling the hand-over
// is still a duplicate). docs/reliability.md.
public sealed partial class FunnelEngine
{
    /// <summary>The name the host gives the <see cref="DedupState"/> section, and the one <see cref="TryImportDedupFrom"/> looks for.</summary>
    public const string DedupSectionName = "dedup";

    private const string DedupTwice =
        "the checkpoint holds the dedup set twice (an engine section of format 1, which includes it, and a dedup section); this version never writes both";

    private DedupCheckpointSection? _dedupState;
    private bool _dedupSectionRestored;
    private bool _dedupFromEngineSection;

    /// <summary>
    /// The dedup set (the ids remembered within the dedup horizon) as a checkpoint section of its own,
    /// format 1: evictions so far, the table's capacity, every remembered id hash with its minute.
    /// Register it as section <see cref="DedupSectionName"/> right after the engine itself.
    /// </summary>
    /// <remarks>
    /// Restore it like the engine: once, into a new engine, before any event or import (else
    /// <see cref="InvalidOperationException"/>); after the engine's own section, as sections are
    /// restored in written order (before it works too). Ids past the dedup horizon behind the restored
    /// watermark are let go as the engine would have. A checkpoint without this section (one written
    /// by an earlier version, whose engine section format 1 carries the dedup set, or one written
    /// without it registered) leaves the set as the engine section left it. On top of an engine section
    /// of format 1 it is refused (<see cref="InvalidDataException"/>): no version writes both.
    /// </remarks>
    public ICheckpointable DedupState => _dedupState ??= new DedupCheckpointSection(this);

    /// <summary>
    /// Adds the ids remembered in another engine's dedup section (<see cref="DedupState"/>, format
    /// <paramref name="version"/>; only 1 exists), as when a partition is handed over from that
    /// engine's instance: a retry of an event it counted is then a duplicate here too. Engine thread,
    /// between events; any time after a restore.
    /// </summary>
    /// <remarks>
    /// Each id this engine does not remember yet is added with the minute the other engine saw it in,
    /// unless that minute is past this engine's dedup horizon behind its watermark (no watermark yet:
    /// every id is kept). Nothing is counted (counted and duplicate totals are unchanged); the other
    /// engine's evictions are not taken over. At this engine's dedup cap the oldest minutes are
    /// forgotten as when events are processed, counted in <see cref="DedupEvictions"/>. Corrupt data
    /// or an unknown version: <see cref="InvalidDataException"/>, and nothing is added.
    /// </remarks>
    /// <returns>How many ids were added.</returns>
    public int ImportDedup(ReadOnlySpan<byte> section, int version)
    {
        if (version != DedupCheckpointSection.Version)
            throw new InvalidDataException($"dedup section format {version} is not supported by this version (it reads format {DedupCheckpointSection.Version})");
        ExpireDedupByWatermark();
        return _dedup.Import(section);
    }

    /// <summary>
    /// Imports (<see cref="ImportDedup"/>) the dedup ids of another instance's whole checkpoint
    /// (<see cref="StateCheckpoint"/> format, as its store holds it): from its <see cref="DedupSectionName"/>
    /// section, or else from the end of an engine section (<c>engine</c>) of format 1, which an earlier
    /// version wrote with the dedup set inside. Engine thread, between events.
    /// </summary>
    /// <param name="checkpoint">The other instance's checkpoint.</param>
    /// <param name="added">How many ids were added (0 when returning <c>false</c>).</param>
    /// <returns><c>false</c> when the checkpoint holds no dedup ids at all (neither section; an engine section of another format without a dedup section).</returns>
    /// <exception cref="InvalidDataException">The checkpoint, or the section holding the ids, is corrupt or of an unknown format; nothing was added.</exception>
    public bool TryImportDedupFrom(byte[] checkpoint, out int added)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        added = 0;
        string name = DedupSectionName;
        int version = 0;
        bool found = false;
        try
        {
            // The framing is checked here: its errors name no section.
            if (found = StateCheckpoint.TryReadSection(checkpoint, name, out version, out ReadOnlySpan<byte> section))
            {
                added = ImportDedup(section, version);
                return true;
            }
            name = "engine";
            if (!(found = StateCheckpoint.TryReadSection(checkpoint, name, out version, out section)) || version != 1)
                return false;
            var r = new CheckpointReader(section);
            SkipToDedupOfFormat1(ref r);
            ExpireDedupByWatermark();
            added = _dedup.Import(section[^r.Remaining..]);
            return true;
        }
        catch (InvalidDataException e) when (found)
        {
            throw new InvalidDataException($"checkpoint section '{name}' (version {version}): {e.Message}", e);
        }
    }

    internal void WriteDedupSection(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _dedup.WriteTo(new CheckpointWriter(output));
    }

    internal ICheckpointSnapshot BeginDedupSnapshot(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return _dedup.BeginSnapshot(output);
    }

    internal void ReadDedupSection(ReadOnlySpan<byte> data, int version)
    {
        if (version != DedupCheckpointSection.Version)
            throw new InvalidDataException($"dedup checkpoint format {version} is not supported by this version (it reads format {DedupCheckpointSection.Version}); start from fresh state (see docs/reliability.md)");
        if (_dedupFromEngineSection)
            throw new InvalidDataException(DedupTwice);
        if (_dedupSectionRestored || _dedup.Count != 0 || EventsSeen() != _eventsAtRestore)
            throw new InvalidOperationException("a dedup section can only be restored into a new engine that has seen no event, once");
        _dedupSectionRestored = true;
        var r = new CheckpointReader(data);
        _dedup.ReadFrom(ref r);
        if (r.Remaining != 0)
            throw new InvalidDataException($"{r.Remaining} unexpected bytes after the dedup set");
        ExpireDedupByWatermark();
    }

    private void ExpireDedupByWatermark()
    {
        if (_watermark.Current != long.MinValue)
            _dedup.Expire(_watermark.Current);
    }
}
