using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>Checkpoint support: the minutes of the ring that hold a cycle (minute, seconds, count).</summary>
internal sealed partial class RollingSalesCycles
{
    public bool IsEmpty => Array.TrueForAll(_minute, m => m == long.MinValue);

    public void WriteCheckpoint(CheckpointWriter w)
    {
        int used = _minute.Count(m => m != long.MinValue);
        w.WriteInt32(used);
        for (int i = 0; i < Minutes; i++)
        {
            if (_minute[i] == long.MinValue)
                continue;
            w.WriteInt64(_minute[i]);
            w.WriteInt64(_seconds[i]);
            w.WriteInt64(_count[i]);
        }
    }

    /// <summary>Reads what <see cref="WriteCheckpoint"/> wrote, without applying it.</summary>
    public (long Minute, long Seconds, long Count)[] ReadCheckpoint(ref CheckpointReader r)
    {
        var entries = new (long Minute, long Seconds, long Count)[r.ReadCount(24)];
        var taken = new bool[Minutes];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = (r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
            long minute = entries[i].Minute;
            if (minute < 0 || taken[minute % Minutes])
                throw new InvalidDataException($"checkpoint is corrupt: rolling sales-cycle minute {minute} is out of range or repeated");
            taken[minute % Minutes] = true;
        }
        return entries;
    }

    public void Restore((long Minute, long Seconds, long Count)[] entries)
    {
        Volatile.Write(ref _version, _version + 1);
        Interlocked.MemoryBarrier();
        foreach ((long minute, long seconds, long count) in entries)
        {
            int index = (int)(minute % Minutes);
            _seconds[index] = seconds;
            _count[index] = count;
            _minute[index] = minute;
        }
        Volatile.Write(ref _version, _version + 1);
    }
}
