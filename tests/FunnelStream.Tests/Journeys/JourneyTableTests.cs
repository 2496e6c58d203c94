using FunnelStream.Engine.Journeys;

namespace FunnelStream.Tests.Journeys;

/// <summary><see cref="JourneyTable"/> against a <see cref="Dictionary{TKey,TValue}"/> under random adds and removals.</summary>
public class JourneyTableTests
{
    [Fact]
    public void AddAndRemoveAt_RandomOperations_MatchDictionary()
    {
        var table = new JourneyTable(stride: 3, maxRows: 50_000);
        var model = new Dictionary<ulong, uint>();
        var random = new Random(7);
        for (int step = 0; step < 200_000; step++)
        {
            // Small keys collide in the index, which exercises backward-shift deletion.
            ulong key = (ulong)random.Next(1, 60_000);
            int row = table.Find(key);
            Assert.Equal(model.ContainsKey(key), row >= 0);
            if (row >= 0 && random.Next(3) == 0)
            {
                table.RemoveAt(row);
                model.Remove(key);
            }
            else if (row < 0 && table.Count < 50_000)
            {
                row = table.Add(key);
                table.Times(row)[2] = (uint)key;
                model[key] = (uint)key;
            }
        }
        Assert.Equal(model.Count, table.Count);
        foreach ((ulong key, uint value) in model)
            Assert.Equal(value, table.Times(table.Find(key))[2]);
    }
}
