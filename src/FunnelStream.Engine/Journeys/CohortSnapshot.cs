namespace FunnelStream.Engine.Journeys;

/// <summary>
/// Journey-based conversion a → b of one entry cohort: the journeys whose first a falls in
/// [<paramref name="StartMs"/>, <paramref name="EndMs"/>), and how many of them reached b within the
/// conversion window.
/// </summary>
/// <param name="StartMs">Cohort start, epoch ms (a multiple of the cohort size).</param>
/// <param name="EndMs">Cohort end (exclusive), epoch ms.</param>
/// <param name="Entered">Journeys that entered a in the cohort.</param>
/// <param name="Converted">Of those, the ones that reached b no earlier than a and at most the conversion window after it.</param>
/// <param name="Mature">Whether the cohort's counts are final under the configured <see cref="CohortMaturityRule"/>; an immature cohort's rate still grows.</param>
public readonly record struct CohortSnapshot(long StartMs, long EndMs, long Entered, long Converted, bool Mature)
{
    /// <summary>Converted / entered; NaN when nobody entered (spec/kpis.md: a ratio over zero has no value).</summary>
    public double Rate => Entered == 0 ? double.NaN : (double)Converted / Entered;
}
