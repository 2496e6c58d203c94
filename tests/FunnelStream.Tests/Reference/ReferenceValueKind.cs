namespace FunnelStream.Tests.Reference;

/// <summary>What a <see cref="ReferenceRow"/>'s value is, which decides which of its value properties holds it exactly.</summary>
public enum ReferenceValueKind
{
    /// <summary>An event count (<c>events.&lt;stage&gt;</c>): an integer in <see cref="ReferenceRow.Exact"/>.</summary>
    Count,

    /// <summary>Money (<c>spend</c>, <c>revenue</c>): exact decimal currency units in <see cref="ReferenceRow.Exact"/>.</summary>
    Money,

    /// <summary>A KPI (<c>ctr</c>, <c>cpm</c>, <c>cpc</c>, <c>cpl</c>, <c>cac</c>, <c>conversion.*</c>): the exact IEEE double in <see cref="ReferenceRow.Real"/>.</summary>
    Ratio,
}
