namespace FunnelStream.Engine.Journeys;

/// <summary>Journey-based conversion and time to convert for one adjacent pair a → b of the ordered funnel. Immutable.</summary>
public sealed class TransitionSnapshot
{
    internal TransitionSnapshot(int fromStage, int toStage, CohortSnapshot[] cohorts, HistogramSnapshot timeToConvert)
    {
        FromStage = fromStage;
        ToStage = toStage;
        Cohorts = cohorts;
        TimeToConvert = timeToConvert;
    }

    /// <summary>Stage id of a (an index into <c>FunnelDefinition.Stages</c>).</summary>
    public int FromStage { get; }

    /// <summary>Stage id of b (<see cref="FromStage"/> + 1).</summary>
    public int ToStage { get; }

    /// <summary>The retained entry cohorts with at least one journey, oldest first.</summary>
    public IReadOnlyList<CohortSnapshot> Cohorts { get; }

    /// <summary>ts(b) − ts(a) over converted journeys, recorded once per journey when final.</summary>
    public HistogramSnapshot TimeToConvert { get; }
}
