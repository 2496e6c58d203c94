namespace FunnelStream.Outputs.Topics;

/// <summary>Version numbers of the record schemas (the <c>schema</c> field; docs/schemas/*.json).</summary>
public static class KpiRecordSchema
{
    /// <summary>Version of <c>funnel.kpis</c> values (docs/schemas/kpi-window.schema.json).</summary>
    public const int Window = 1;

    /// <summary>Version of <c>funnel.kpis.rolling</c> values (docs/schemas/kpi-rolling.schema.json).</summary>
    public const int Rolling = 1;
}
