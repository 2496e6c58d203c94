namespace FunnelStream.Generator;

/// <summary>The default input topic names (docs/topics.md), used as <see cref="GeneratedRecord.Topic"/> hints.</summary>
public static class FunnelTopics
{
    /// <summary><c>funnel.clicks</c>: <c>impression</c>, <c>click</c>, and <c>spend</c> reports.</summary>
    public const string Clicks = "funnel.clicks";

    /// <summary><c>funnel.leads</c>: <c>lead</c>, <c>mql</c>, <c>sql</c>.</summary>
    public const string Leads = "funnel.leads";

    /// <summary><c>funnel.deals</c>: <c>opportunity</c>, <c>won</c>, <c>lost</c>, <c>renewal</c>, <c>expansion</c>, <c>churn</c>.</summary>
    public const string Deals = "funnel.deals";
}
