using FunnelStream.Engine.Checkpoints;

namespace FunnelStream.Engine.Journeys;

/// <summary>Breakdowns by value in journey and sales-cycle checkpoints: a count, then per breakdown its dimension values.</summary>
internal static class CheckpointTuples
{
    public static void Write(CheckpointWriter w, IReadOnlyList<string[]> tuples)
    {
        w.WriteInt32(tuples.Count);
        foreach (string[] values in tuples)
        {
            w.WriteInt32(values.Length);
            foreach (string v in values)
                w.WriteString(v);
        }
    }

    public static string[][] Read(ref CheckpointReader r)
    {
        var tuples = new string[r.ReadCount(4)][];
        for (int i = 0; i < tuples.Length; i++)
        {
            var values = new string[r.ReadCount(4)];
            for (int d = 0; d < values.Length; d++)
                values[d] = r.ReadString();
            tuples[i] = values;
        }
        return tuples;
    }
}
