namespace FunnelStream.Generator.Internal;

/// <summary>The event types the generator writes: the default funnel of spec/events.md, then <c>spend</c>.</summary>
internal enum Stage : byte
{
    Impression,
    Click,
    Lead,
    Mql,
    Sql,
    Opportunity,
    Won,
    Lost,
    Renewal,
    Expansion,
    Churn,
    Spend,
}
