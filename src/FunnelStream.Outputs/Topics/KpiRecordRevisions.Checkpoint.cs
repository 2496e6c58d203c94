using FunnelStream.Engine;
using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Outputs.Topics;

/// <summary>The numbering's state in checkpoints of the sinks that own one (see KpiWindowRecords.Checkpoint.cs).</summary>
public sealed partial class KpiRecordRevisions
{
    /// <summary>Whether nothing was offered yet.</summary>
    internal bool IsFresh => Published == 0 && _emitted.Count == 0;

    /// <summary>
    /// Writes the records published so far, then every key published but not final yet, in ordinal
    /// order of the key: the key (its JSON, by value), the last revision, spend, and per stage the
    /// count and amount it was published with.
    /// </summary>
    internal void WriteState(CheckpointWriter w)
    {
        w.WriteInt64(Published);
        w.WriteInt32(_emitted.Count);
        foreach (string id in _emitted.Keys.Order(StringComparer.Ordinal))
        {
            w.WriteString(id);
            _emitted[id].Write(w);
        }
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote (keys of <paramref name="stages"/> stages), which must end the data, and, once all of it is read and checked, adopts it.</summary>
    internal void ReadState(ref CheckpointReader r, int stages)
    {
        long published = r.ReadInt64();
        if (published < 0)
            throw new InvalidDataException($"checkpoint is corrupt: {published} records published");
        int n = r.ReadCount(4 + 12 + 16 * stages);
        var emitted = new Dictionary<string, Emitted>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string id = r.ReadString();
            if (!emitted.TryAdd(id, Emitted.Read(ref r, stages)))
                throw new InvalidDataException($"checkpoint is corrupt: key {id} appears twice");
        }
        if (r.Remaining != 0)
            throw new InvalidDataException($"checkpoint is corrupt: {r.Remaining} unexpected bytes after the record numbering");
        Published = published;
        foreach ((string id, Emitted e) in emitted)
            _emitted[id] = e;
    }

    private sealed partial class Emitted
    {
        public void Write(CheckpointWriter w)
        {
            w.WriteInt32(Revision);
            w.WriteInt64(_spend);
            for (int s = 0; s < _counts.Length; s++)
            {
                w.WriteInt64(_counts[s]);
                w.WriteInt64(_amounts[s]);
            }
        }

        public static Emitted Read(ref CheckpointReader r, int stages)
        {
            int revision = r.ReadInt32();
            if (revision < 0)
                throw new InvalidDataException($"checkpoint is corrupt: revision {revision}");
            var totals = new StageTotals(stages) { SpendMicros = r.ReadInt64() };
            for (int s = 0; s < stages; s++)
            {
                totals.Counts[s] = r.ReadInt64();
                totals.AmountsMicros[s] = r.ReadInt64();
            }
            return new Emitted(totals, revision);
        }
    }
}
