namespace FunnelStream.Engine.Journeys;

/// <summary>Checkpoint support: the row capacity (reported as <see cref="CapacityBytes"/>) is restored too, so the memory gauge continues unchanged.</summary>
internal sealed partial class JourneyTable
{
    /// <summary>Columns per row (<see cref="Times"/>).</summary>
    public int Stride => _stride;

    /// <summary>Rows the arrays hold before they grow.</summary>
    public int RowCapacity => _keys.Length;

    /// <summary>Grows (by the usual doubling) until at least <paramref name="rows"/> rows fit, up to the cap.</summary>
    public void Reserve(int rows)
    {
        while (_keys.Length < Math.Min(rows, _maxRows))
            Grow();
    }
}
