namespace FunnelStream.Engine.Journeys;

/// <summary>When a journey-conversion cohort is marked mature (issue 3, "Mature cohorts").</summary>
public enum CohortMaturityRule
{
    /// <summary>
    /// Mature once every journey of the cohort has had the whole conversion window to convert and no
    /// event that could still convert one can arrive: cohort end + <see cref="JourneyOptions.ConversionWindow"/>
    /// ≤ watermark − <see cref="JourneyOptions.AllowedLateness"/>. Counts of a mature cohort are final.
    /// </summary>
    ConversionWindow,

    /// <summary>
    /// Mature once the measured p95 time-to-convert of the transition has passed: cohort end + p95 ≤
    /// watermark − allowed lateness. The p95 is read from the time-to-convert histogram as the upper
    /// bound of the bucket that holds it (so it is an over-estimate), capped at the conversion window;
    /// with fewer than <see cref="JourneyOptions.MaturityMinSamples"/> conversions, or a p95 in the
    /// <c>+Inf</c> bucket, the conversion window is used. A cohort mature by this rule may still gain
    /// the slowest ~5 % of its conversions.
    /// </summary>
    P95TimeToConvert,
}
