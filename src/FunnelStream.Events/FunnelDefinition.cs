using System.Text;

namespace FunnelStream.Events;

/// <summary>
/// The funnel: its stages (ordered ones first, then the stages outside the order, then
/// <c>spend</c>) and the breakdown dimensions. Immutable and safe to share across threads.
/// </summary>
/// <remarks>
/// Default: ordered <c>impression &gt; click &gt; lead &gt; mql &gt; sql &gt; opportunity &gt; won</c>;
/// outside the order <c>lost, renewal, expansion, churn</c>; dimensions <c>campaign, channel</c>.
/// A stage's index in <see cref="Stages"/> is its id in <see cref="FunnelEvent.Stage"/>.
/// </remarks>
public sealed class FunnelDefinition
{
    /// <summary>At most this many stages, <c>spend</c> included.</summary>
    public const int MaxStages = 32;
    /// <summary>At most this many breakdown dimensions.</summary>
    public const int MaxDimensions = 4;
    /// <summary>The name of the cost-report pseudo-stage.</summary>
    public const string SpendStageName = "spend";

    /// <summary>The contract's fields that may serve as breakdown dimensions.</summary>
    public static IReadOnlyList<string> KnownDimensions { get; } = ["campaign", "channel", "source", "segment"];

    /// <summary>Stages of the lead and deal families: they require a <c>journey</c>.</summary>
    private static readonly HashSet<string> JourneyStages =
        ["lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn"];

    private readonly byte[][] _stageNamesUtf8;

    /// <summary>Creates a funnel definition; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    /// <param name="orderedStages">Stages top to bottom; at least two.</param>
    /// <param name="otherStages">Stages outside the order (e.g. <c>lost</c>, <c>churn</c>).</param>
    /// <param name="dimensions">Breakdown dimensions, a subset of <see cref="KnownDimensions"/>, in label order.</param>
    /// <param name="journeyStages">Stages that require <c>journey</c>; <c>null</c> means the lead and deal families of the contract.</param>
    public FunnelDefinition(
        IEnumerable<string> orderedStages,
        IEnumerable<string> otherStages,
        IEnumerable<string> dimensions,
        IEnumerable<string>? journeyStages = null)
    {
        string[] ordered = orderedStages.ToArray();
        string[] others = otherStages.ToArray();
        string[] all = [.. ordered, .. others, SpendStageName];
        if (ordered.Length < 2)
            throw new ArgumentException("the ordered funnel needs at least two stages", nameof(orderedStages));
        if (all.Length > MaxStages)
            throw new ArgumentException($"at most {MaxStages - 1} stages are supported, got {all.Length - 1}", nameof(orderedStages));
        foreach (string s in all)
        {
            if (string.IsNullOrWhiteSpace(s) || s.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
                throw new ArgumentException($"stage name '{s}' must be lower-case letters, digits and '_'", nameof(orderedStages));
        }
        string? dup = all.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (dup is not null)
            throw new ArgumentException($"stage '{dup}' appears twice ('{SpendStageName}' is implicit)", nameof(orderedStages));

        string[] dims = dimensions.ToArray();
        if (dims.Length > MaxDimensions)
            throw new ArgumentException($"at most {MaxDimensions} breakdown dimensions are supported", nameof(dimensions));
        foreach (string d in dims)
        {
            if (!KnownDimensions.Contains(d))
                throw new ArgumentException($"unknown dimension '{d}'; allowed: {string.Join(", ", KnownDimensions)}", nameof(dimensions));
        }
        if (dims.Distinct().Count() != dims.Length)
            throw new ArgumentException("a breakdown dimension appears twice", nameof(dimensions));

        HashSet<string> journey = journeyStages is null ? JourneyStages : [.. journeyStages];
        Stages = all;
        OrderedCount = ordered.Length;
        SpendStage = all.Length - 1;
        Dimensions = dims;
        RequiresJourney = all.Select(journey.Contains).ToArray();
        _stageNamesUtf8 = all.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The default funnel of spec/events.md.</summary>
    public static FunnelDefinition Default { get; } = new(
        ["impression", "click", "lead", "mql", "sql", "opportunity", "won"],
        ["lost", "renewal", "expansion", "churn"],
        ["campaign", "channel"]);

    /// <summary>All stage names; the index is the stage id. <c>spend</c> is last.</summary>
    public IReadOnlyList<string> Stages { get; }

    /// <summary>Stages <c>[0, OrderedCount)</c> are the ordered funnel, top to bottom.</summary>
    public int OrderedCount { get; }

    /// <summary>The id of the <c>spend</c> pseudo-stage.</summary>
    public int SpendStage { get; }

    /// <summary>Breakdown dimensions in label order.</summary>
    public IReadOnlyList<string> Dimensions { get; }

    /// <summary>Per stage id: whether an event of that stage must carry a <c>journey</c>.</summary>
    public IReadOnlyList<bool> RequiresJourney { get; }

    /// <summary>The id of the named stage, or -1 when this funnel has no such stage.</summary>
    public int IndexOf(string stage) => Array.IndexOf((string[])Stages, stage);

    /// <summary>The id of the stage whose name is <paramref name="utf8Name"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> utf8Name)
    {
        byte[][] names = _stageNamesUtf8;
        for (int i = 0; i < names.Length; i++)
        {
            if (utf8Name.SequenceEqual(names[i]))
                return i;
        }
        return -1;
    }

    /// <summary>The adjacent pairs of the ordered funnel, top to bottom.</summary>
    public IEnumerable<(int From, int To)> AdjacentPairs()
    {
        for (int i = 0; i + 1 < OrderedCount; i++)
            yield return (i, i + 1);
    }
}
