namespace FunnelStream.Web;

/// <summary>One sample line of an exposition: its name as written (<c>funnel_events_total</c>), labels and value.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The label's value, or null when the sample has no such label.</summary>
    public string? Label(string name) => Labels.TryGetValue(name, out string? value) ? value : null;
}
