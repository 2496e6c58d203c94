using System.Text;

namespace FunnelStream.Generator.Internal;

/// <summary>Names, topics and rules of each <see cref="Stage"/>.</summary>
internal static class Stages
{
    public const int Count = (int)Stage.Spend + 1;

    /// <summary>The contract's <c>type</c> value of each stage, in <see cref="Stage"/> order.</summary>
    public static readonly string[] Names =
        ["impression", "click", "lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn", "spend"];

    /// <summary>The six transitions of the ordered funnel, by their lower stage: <c>impression &gt; click</c> ... <c>opportunity &gt; won</c>.</summary>
    public const int OrderedTransitions = (int)Stage.Won;

    public static readonly byte[][] NamesUtf8 = Names.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>
    /// The topic hint of each stage: impressions, clicks and spend reports (ad-platform data) go to
    /// <c>funnel.clicks</c>, as docs/topics.md says; the lead family to <c>funnel.leads</c>; the deal family to <c>funnel.deals</c>.
    /// </summary>
    public static readonly string[] Topics =
    [
        FunnelTopics.Clicks, FunnelTopics.Clicks,
        FunnelTopics.Leads, FunnelTopics.Leads, FunnelTopics.Leads,
        FunnelTopics.Deals, FunnelTopics.Deals, FunnelTopics.Deals, FunnelTopics.Deals, FunnelTopics.Deals, FunnelTopics.Deals,
        FunnelTopics.Clicks,
    ];

    /// <summary>Whether the contract requires <c>journey</c> (the lead and deal families).</summary>
    public static bool RequiresJourney(Stage s) => s is >= Stage.Lead and <= Stage.Churn;

    /// <summary>The stage named <paramref name="name"/>, or <c>null</c>.</summary>
    public static Stage? Parse(string? name)
    {
        int i = Array.IndexOf(Names, name);
        return i < 0 ? null : (Stage)i;
    }
}
