using System.Diagnostics.Tracing;

namespace FunnelStream.LoadHarness;

/// <summary>
/// Why this process ran its gen-2 collections: the runtime's own GC events (GCStart, depth 2), by
/// reason (the large-object budget, the small-object budget, induced, ...) and kind (blocking or
/// background). The counts in <see cref="Cost"/> say how many; this says what to change.
/// </summary>
internal sealed class Gen2Reasons : EventListener
{
    // GCStart_V2's Reason and Type fields (the runtime's GC_REASON and GC_TYPE).
    private static readonly string[] ReasonNames =
        ["small-object budget", "induced", "low memory", "empty", "large-object budget", "out of small-object space", "out of large-object space",
         "induced (not forced)", "stress", "induced (low memory)", "induced (compacting)", "low memory (host)", "PM full GC", "low memory (host, blocking)",
         "bgc stepping", "bgc tuning"];
    private static readonly string[] TypeNames = ["blocking", "background", "blocking during background"];

    private readonly Dictionary<string, int> _counts = [];
    private bool _counting;

    public void Start()
    {
        lock (_counts)
        {
            _counts.Clear();
            _counting = true;
        }
    }

    /// <summary>The gen-2 collections since <see cref="Start"/>, e.g. <c>3 large-object budget (background)</c>; empty when none.</summary>
    public List<string> Stop()
    {
        lock (_counts)
        {
            _counting = false;
            return _counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value} {kv.Key}").ToList();
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Informational, (EventKeywords)0x1); // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || !e.EventName.StartsWith("GCStart", StringComparison.Ordinal) || e.PayloadNames is null)
            return;
        uint depth = Field(e, "Depth");
        if (depth != 2)
            return;
        uint reason = Field(e, "Reason");
        uint type = Field(e, "Type");
        string key = $"{(reason < ReasonNames.Length ? ReasonNames[reason] : $"reason {reason}")} ({(type < TypeNames.Length ? TypeNames[type] : $"type {type}")})";
        lock (_counts)
        {
            if (_counting)
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    private static uint Field(EventWrittenEventArgs e, string name)
    {
        int i = e.PayloadNames!.IndexOf(name);
        return i < 0 ? uint.MaxValue : Convert.ToUInt32(e.Payload![i], System.Globalization.CultureInfo.InvariantCulture);
    }
}
