namespace FunnelStream.Engine.State;

/// <summary>
/// Where a breakdown slot's numbers sit in a flat <c>long[]</c>: per slot, the count of every
/// stage, then the summed <c>amount</c> of every stage (micro-units), then the summed <c>cost</c>
/// (spend, micro-units). One array per window keeps an event's updates on one or two cache lines.
/// </summary>
internal readonly struct SlotLayout(int stageCount)
{
    public int StageCount { get; } = stageCount;

    /// <summary>Longs per slot.</summary>
    public int Stride => 2 * StageCount + 1;

    public int Count(int slot, int stage) => slot * Stride + stage;

    public int Amount(int slot, int stage) => slot * Stride + StageCount + stage;

    public int Spend(int slot) => slot * Stride + 2 * StageCount;
}
