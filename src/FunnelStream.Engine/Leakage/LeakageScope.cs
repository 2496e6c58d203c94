namespace FunnelStream.Engine.Leakage;

/// <summary>What a leak is judged over: the whole funnel (<see cref="IsTotal"/>) or one value of one breakdown dimension.</summary>
/// <param name="Index">The scope's index in <see cref="LeakageDetector.Scopes"/>; 0 is the total.</param>
/// <param name="Dimension">The funnel dimension index, or -1 for the total.</param>
/// <param name="DimensionName">The dimension's name (<c>campaign</c>), or <c>null</c> for the total.</param>
/// <param name="Value">The dimension value (<c>brand</c>), or <c>null</c> for the total.</param>
/// <param name="ValueId">The interned id of <paramref name="Value"/>, or -1 for the total.</param>
public sealed record LeakageScope(int Index, int Dimension, string? DimensionName, string? Value, int ValueId)
{
    /// <summary>The <c>scope</c> label and record field: <c>total</c>, or <c>dimension=value</c> (e.g. <c>campaign=brand</c>).</summary>
    public string Label { get; } = Dimension < 0 ? "total" : $"{DimensionName}={Value}";

    /// <summary>Whether this is the whole funnel.</summary>
    public bool IsTotal => Dimension < 0;
}
