using FunnelStream.Engine.Journeys;

namespace FunnelStream.Engine.Leakage;

/// <summary>
/// Journey-based evidence (issue 4 item 1; spec/kpis.md, journey-based conversion): for a -&gt; b, the
/// entered and converted journeys summed over the mature entry cohorts of the engine's latest
/// <see cref="JourneySnapshot"/> whose start lies in the asked range. An immature cohort (its journeys
/// may still convert) never counts, whatever its rate. The store keeps cohorts per transition only,
/// so a breakdown scope has no evidence (an empty sample). Engine thread.
/// </summary>
internal sealed class JourneyRateSource(FunnelEngine engine) : IConversionRateSource
{
    public ConversionSample Sample(LeakageScope scope, int fromStage, int toStage, long startMs, long endMs)
    {
        if (!scope.IsTotal || engine.Journeys is not JourneySnapshot snapshot)
            return default;
        foreach (TransitionSnapshot transition in snapshot.Transitions)
        {
            if (transition.FromStage != fromStage || transition.ToStage != toStage)
                continue;
            long entered = 0, converted = 0;
            foreach (CohortSnapshot cohort in transition.Cohorts)
            {
                // A cohort belongs to the range it starts in, so consecutive ranges (the baseline's
                // steps) count each cohort once; a mature cohort has ended, so it lies inside the lookback.
                if (cohort.Mature && cohort.StartMs >= startMs && cohort.StartMs < endMs)
                {
                    entered += cohort.Entered;
                    converted += cohort.Converted;
                }
            }
            return new ConversionSample(entered, converted);
        }
        return default;
    }
}
