using FunnelStream.Engine.Journeys;
using FunnelStream.Events;

namespace FunnelStream.Configuration;

/// <summary>
/// Turns <see cref="JourneySettings"/> into <see cref="JourneyOptions"/> for a funnel, adding an error that
/// names the key (<c>FunnelStream:Journeys:...</c>) for every problem.
/// </summary>
internal static class JourneySettingsResolver
{
    private const string Key = FunnelStreamOptions.Section + ":Journeys";

    /// <summary>The options, or <c>null</c> when journeys are disabled or something is wrong (then <paramref name="errors"/> says what).</summary>
    public static JourneyOptions? Resolve(JourneySettings raw, FunnelDefinition? funnel, TimeSpan allowedLateness, List<string> errors)
    {
        if (!raw.Enabled || funnel is null)
            return null;
        int before = errors.Count;
        string[] ordered = funnel.Stages.Take(funnel.OrderedCount).ToArray();
        string allowedOrdered = string.Join(", ", ordered);
        string allowedAll = string.Join(", ", funnel.Stages.Where(s => s != FunnelDefinition.SpendStageName));

        Dictionary<string, TimeSpan> sla;
        if (raw.StageSla is null)
        {
            sla = ordered.Contains("mql") ? new() { ["mql"] = TimeSpan.FromHours(24) } : [];
        }
        else
        {
            sla = new(StringComparer.Ordinal);
            foreach ((string stage, TimeSpan value) in raw.StageSla)
            {
                if (!ordered.Contains(stage))
                    errors.Add($"{Key}:StageSla:{stage}: not an ordered stage; allowed: {allowedOrdered}");
                else if (value < TimeSpan.Zero)
                    errors.Add($"{Key}:StageSla:{stage}: must not be negative (got {value})");
                else
                    sla[stage] = value;
            }
        }

        string Stage(string? configured, string fallback, string name)
        {
            if (configured is null)
                return fallback;
            if (funnel.IndexOf(configured) < 0 || configured == FunnelDefinition.SpendStageName)
                errors.Add($"{Key}:{name}: '{configured}' is not a configured stage; allowed: {allowedAll}");
            return configured;
        }

        string lead = Stage(raw.LeadStage, "lead", nameof(JourneySettings.LeadStage));
        string won = Stage(raw.WonStage, "won", nameof(JourneySettings.WonStage));
        string[] closed = raw.ClosedStages ?? ["lost"];
        if (raw.ClosedStages is not null)
        {
            for (int i = 0; i < closed.Length; i++)
                Stage(closed[i], "", $"{nameof(JourneySettings.ClosedStages)}:{i}");
        }
        if (raw.Maturity is not (CohortMaturityRule.ConversionWindow or CohortMaturityRule.P95TimeToConvert))
            errors.Add($"{Key}:Maturity: must be ConversionWindow or P95TimeToConvert (got {raw.Maturity})");
        if (allowedLateness.Ticks % TimeSpan.TicksPerSecond != 0)
            errors.Add($"{FunnelStreamOptions.Section}:Windows:AllowedLateness: must be a whole number of seconds while journeys are enabled (got {allowedLateness}; or set {Key}:Enabled to false)");
        if (errors.Count > before)
            return null;

        var defaults = new JourneyOptions();
        var options = new JourneyOptions
        {
            ConversionWindow = raw.ConversionWindow,
            MaxJourneys = raw.MaxJourneys,
            StageSla = sla,
            CohortSize = raw.CohortSize,
            Maturity = raw.Maturity,
            MaturityMinSamples = raw.MaturityMinSamples,
            CohortRetention = raw.CohortRetention,
            ScanInterval = raw.ScanInterval,
            LeadStage = lead,
            WonStage = won,
            ClosedStages = closed,
            TimeToConvertBucketsSeconds = raw.TimeToConvertBucketsSeconds ?? defaults.TimeToConvertBucketsSeconds,
            SalesCycleBucketsSeconds = raw.SalesCycleBucketsSeconds ?? defaults.SalesCycleBucketsSeconds,
            AllowedLateness = allowedLateness,
        };
        try
        {
            options.Validate();
            if (funnel.OrderedCount > 31)
                errors.Add($"{FunnelStreamOptions.Section}:Funnel:Stages: at most 31 ordered stages while journeys are enabled (got {funnel.OrderedCount})");
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
            errors.Add($"{Key}:{e.ParamName ?? "?"}: {message}");
        }
        return errors.Count > before ? null : options;
    }
}
