namespace FunnelStream.Engine.Kpis;

/// <summary>
/// One KPI of spec/kpis.md: its replay/record name (e.g. <c>cpc</c>, <c>conversion.mql.sql</c>) and
/// its formula over a window's <see cref="KpiInputs"/>. The formula returns <c>null</c> where the
/// KPI has no value (a zero denominator, a missing input). Immutable; thread-safe.
/// </summary>
public sealed class Kpi(string name, string description, Func<KpiInputs, double?> formula)
{
    /// <summary>The name used in replay output and KPI records.</summary>
    public string Name { get; } = name;

    /// <summary>The formula in words, with its unit, for docs and metric help.</summary>
    public string Description { get; } = description;

    /// <summary>Evaluates the KPI; <c>null</c> when it has no value.</summary>
    public double? Evaluate(KpiInputs inputs) => formula(inputs);
}
