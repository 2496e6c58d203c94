using System.Buffers;

namespace FunnelStream.Engine.Checkpoints;

/// <summary>
/// The format of one instance's checkpoint: the next input offset of every partition the state
/// reflects, then one section per component (name, the component's format version, its bytes).
/// </summary>
/// <remarks>
/// Layout, little-endian: magic <c>FSIC</c>, format 1, partition count, per partition a
/// length-prefixed topic, the partition number (int32) and the next offset (int64); then the section
/// count and per section a length-prefixed UTF-8 name, the version (int32) and length-prefixed bytes.
/// On restore a component without a section starts empty (it was added since, or is newly enabled),
/// and a section without a component is ignored (it was removed or disabled since).
/// </remarks>
public static class StateCheckpoint
{
    private const int Magic = 0x43495346; // "FSIC"
    private const int Format = 1;

    /// <summary>
    /// Writes the state of <paramref name="parts"/> and the offsets it reflects into
    /// <paramref name="output"/>: <see cref="Begin"/>, then <see cref="PendingCheckpoint.Complete"/> at once.
    /// </summary>
    public static void Write(CheckpointBuffer output, IReadOnlyCollection<InputOffset> offsets, IReadOnlyList<KeyValuePair<string, ICheckpointable>> parts) =>
        Begin(output, offsets, parts).Complete();

    /// <summary>
    /// Starts a checkpoint of <paramref name="parts"/> and the offsets it reflects in
    /// <paramref name="output"/>, on the thread that owns the parts: writes every section but those of
    /// <see cref="ISnapshotCheckpointable"/> parts, which are only begun (a snapshot) and come after all
    /// the others, in their order. <see cref="PendingCheckpoint.Complete"/>, on any thread, writes them;
    /// the owner goes on meanwhile. Each section is written in place and its length prefix filled in
    /// after: no second buffer growing to the largest section (large-object-heap memory, for a dedup set
    /// at its cap ~67 MB in doublings).
    /// </summary>
    public static PendingCheckpoint Begin(CheckpointBuffer output, IReadOnlyCollection<InputOffset> offsets, IReadOnlyList<KeyValuePair<string, ICheckpointable>> parts)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new CheckpointWriter(output);
        WriteHeader(w, offsets, parts.Count);
        foreach ((string name, ICheckpointable part) in parts)
        {
            if (part is ISnapshotCheckpointable)
                continue;
            int lengthAt = BeginSection(w, output, name, part);
            part.WriteCheckpoint(output);
            EndSection(output, lengthAt);
        }
        (int LengthAt, ICheckpointSnapshot Snapshot)? open = null;
        foreach ((string name, ICheckpointable part) in parts)
        {
            if (part is not ISnapshotCheckpointable snapshotted)
                continue;
            // Only the last snapshot's section may still grow: a section after an open one would land
            // inside it. So one before it is completed here, on the owner thread (one is all there is now).
            if (open is { } previous)
            {
                previous.Snapshot.Complete();
                EndSection(output, previous.LengthAt);
            }
            int lengthAt = BeginSection(w, output, name, part);
            open = (lengthAt, snapshotted.BeginSnapshot(output));
        }
        return new PendingCheckpoint(output, open);
    }

    private static int BeginSection(CheckpointWriter w, CheckpointBuffer output, string name, ICheckpointable part)
    {
        w.WriteString(name);
        w.WriteInt32(part.CheckpointVersion);
        int lengthAt = output.WrittenCount;
        w.WriteInt32(0);
        return lengthAt;
    }

    /// <summary>Fills in the length prefix at <paramref name="lengthAt"/> of the section written since.</summary>
    internal static void EndSection(CheckpointBuffer output, int lengthAt)
    {
        int length = output.WrittenCount - lengthAt - 4;
        // Growing the buffer moves what was written, so the prefix is found by position, not by span.
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(output.WrittenSpanForPatching.Slice(lengthAt, 4), length);
    }

    /// <summary>Magic, format, the offsets and the section count: everything before the sections.</summary>
    internal static void WriteHeader(CheckpointWriter w, IReadOnlyCollection<InputOffset> offsets, int sections)
    {
        w.WriteInt32(Magic);
        w.WriteInt32(Format);
        w.WriteInt32(offsets.Count);
        foreach (InputOffset offset in offsets)
        {
            w.WriteString(offset.Topic);
            w.WriteInt32(offset.Partition);
            w.WriteInt64(offset.Next);
        }
        w.WriteInt32(sections);
    }

    /// <summary>Restores <paramref name="parts"/> from <paramref name="data"/> and returns the offsets it reflects.</summary>
    /// <exception cref="InvalidDataException">The data is not a checkpoint, or a component rejects its section.</exception>
    public static IReadOnlyList<InputOffset> Restore(ReadOnlySpan<byte> data, IReadOnlyList<KeyValuePair<string, ICheckpointable>> parts)
    {
        var r = new CheckpointReader(data);
        InputOffset[] offsets = ReadHeader(ref r);
        int sections = r.ReadCount();
        for (int i = 0; i < sections; i++)
        {
            string name = r.ReadString();
            int version = r.ReadInt32();
            ReadOnlySpan<byte> bytes = r.ReadBytes();
            foreach ((string partName, ICheckpointable part) in parts)
            {
                if (partName != name)
                    continue;
                try
                {
                    part.ReadCheckpoint(bytes, version);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"checkpoint section '{name}' (version {version}): {e.Message}", e);
                }
            }
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"{r.Remaining} unexpected bytes after the last section");
        return offsets;
    }

    /// <summary>
    /// Finds the section <paramref name="name"/> of a checkpoint without restoring anything (for
    /// reading one component's state out of another instance's checkpoint). The framing is checked as
    /// <see cref="Restore"/> checks it, every section's included; the section's own bytes are not.
    /// </summary>
    /// <param name="data">A whole checkpoint, as <see cref="Write"/> wrote it.</param>
    /// <param name="name">The section's name.</param>
    /// <param name="version">The section's format version (0 when not found).</param>
    /// <param name="section">The section's bytes, a slice of <paramref name="data"/> (empty when not found).</param>
    /// <returns><c>false</c> when the checkpoint has no such section; with several, the first.</returns>
    /// <exception cref="InvalidDataException">The data is not a checkpoint (bad magic, unknown format, truncated, trailing bytes).</exception>
    public static bool TryReadSection(ReadOnlySpan<byte> data, string name, out int version, out ReadOnlySpan<byte> section)
    {
        ArgumentNullException.ThrowIfNull(name);
        var r = new CheckpointReader(data);
        ReadHeader(ref r);
        int sections = r.ReadCount();
        bool found = false;
        version = 0;
        section = default;
        for (int i = 0; i < sections; i++)
        {
            string sectionName = r.ReadString();
            int sectionVersion = r.ReadInt32();
            ReadOnlySpan<byte> bytes = r.ReadBytes();
            if (found || sectionName != name)
                continue;
            found = true;
            version = sectionVersion;
            section = bytes;
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"{r.Remaining} unexpected bytes after the last section");
        return found;
    }

    private static InputOffset[] ReadHeader(ref CheckpointReader r)
    {
        if (r.ReadInt32() != Magic)
            throw new InvalidDataException("not a FunnelStream state checkpoint (bad magic)");
        int format = r.ReadInt32();
        if (format != Format)
            throw new InvalidDataException($"state checkpoint format {format} is not supported (expected {Format})");
        var offsets = new InputOffset[r.ReadCount(16)];
        for (int i = 0; i < offsets.Length; i++)
            offsets[i] = new InputOffset(r.ReadString(), r.ReadInt32(), r.ReadInt64());
        return offsets;
    }
}
