using System.Diagnostics.Tracing;

namespace FunnelStream.LoadHarness;

/// <summary>
/// Why this process ran its gen-2 collections: the runtime's own GC events (GCStart, depth 2), by
/// reason (the large-object budget, the small-object budget, induced, ...) and kind (blocking or
/// background). The counts in <see cref="Cost"/> say how many; this says what to change. And, since
/// most of them are the large-object budget, what filled it: the runtime's allocation ticks (one
/// per ~100 KB allocated) for the large-object heap, by type and object size, which names the
/// arrays to look for.
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
    private readonly Dictionary<(string Type, long Size), (int Ticks, long Bytes)> _large = [];
    private readonly List<double> _times = [];
    // GCStart's time by the collection's number, until its GCEnd gives the pause; the gen-2 pauses in order.
    private readonly Dictionary<uint, DateTime> _open = [];
    private readonly List<double> _pausesMs = [];
    private double _longestYoungMs;
    private long _startedAt;
    private bool _counting;

    public void Start()
    {
        lock (_counts)
        {
            _counts.Clear();
            _large.Clear();
            _times.Clear();
            _open.Clear();
            _pausesMs.Clear();
            _longestYoungMs = 0;
            _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
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

    /// <summary>
    /// The large-object (and pinned-object, marked <c>pinned</c>) allocations since <see cref="Start"/>, most bytes first, e.g.
    /// <c>Byte[] of 33,554,456 B: 3 ticks, 100.7 MB</c> (a tick is the allocation that crossed the
    /// runtime's ~100 KB sampling step; for objects that large, roughly one per object).
    /// </summary>
    public List<string> LargeAllocations(int top = 8)
    {
        lock (_counts)
            return _large.OrderByDescending(kv => kv.Value.Bytes).Take(top)
                .Select(kv => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{kv.Key.Type} of {kv.Key.Size:N0} B: {kv.Value.Ticks} ticks, {kv.Value.Bytes / 1e6:F1} MB"))
                .ToList();
    }

    /// <summary>When each gen-2 collection since <see cref="Start"/> began, seconds after it: growth to a steady state, or steady?</summary>
    public List<double> Times()
    {
        lock (_counts)
            return [.. _times];
    }

    /// <summary>
    /// How long each gen-2 collection since <see cref="Start"/> took, GCStart to GCEnd in ms, in the
    /// order of <see cref="Times"/> (all blocking here: the worker runs without concurrent GC); and the
    /// longest gen-0 or gen-1 collection. The engine thread stands still for a blocking collection.
    /// </summary>
    public (List<double> Gen2Ms, double LongestYoungMs) Pauses()
    {
        lock (_counts)
            return ([.. _pausesMs], _longestYoungMs);
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword; Verbose for the allocation ticks
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is null || e.PayloadNames is null)
            return;
        if (e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            uint kind = Field(e, "AllocationKind");
            if (kind is not (1 or 2)) // 1: the large-object heap; 2: the pinned-object heap, also collected only in gen 2
                return;
            int t = e.PayloadNames.IndexOf("TypeName"), size = e.PayloadNames.IndexOf("ObjectSize"), amount = e.PayloadNames.IndexOf("AllocationAmount64");
            string typeName = t < 0 ? "?" : e.Payload![t]?.ToString() ?? "?";
            var allocation = (kind == 2 ? "pinned " + typeName : typeName, size < 0 ? 0L : Convert.ToInt64(e.Payload![size], System.Globalization.CultureInfo.InvariantCulture));
            long bytes = amount < 0 ? 0 : Convert.ToInt64(e.Payload![amount], System.Globalization.CultureInfo.InvariantCulture);
            lock (_counts)
            {
                if (_counting)
                {
                    (int ticks, long sum) = _large.GetValueOrDefault(allocation);
                    _large[allocation] = (ticks + 1, sum + bytes);
                }
            }
            return;
        }
        if (e.EventName.StartsWith("GCEnd", StringComparison.Ordinal))
        {
            uint number = Field(e, "Count"), ended = Field(e, "Depth");
            lock (_counts)
            {
                if (_counting && _open.Remove(number, out DateTime began))
                {
                    double ms = (e.TimeStamp - began).TotalMilliseconds;
                    if (ended == 2)
                        _pausesMs.Add(ms);
                    else
                        _longestYoungMs = Math.Max(_longestYoungMs, ms);
                }
            }
            return;
        }
        if (!e.EventName.StartsWith("GCStart", StringComparison.Ordinal))
            return;
        uint depth = Field(e, "Depth");
        lock (_counts)
        {
            if (_counting)
                _open[Field(e, "Count")] = e.TimeStamp;
        }
        if (depth != 2)
            return;
        uint reason = Field(e, "Reason");
        uint type = Field(e, "Type");
        string key = $"{(reason < ReasonNames.Length ? ReasonNames[reason] : $"reason {reason}")} ({(type < TypeNames.Length ? TypeNames[type] : $"type {type}")})";
        lock (_counts)
        {
            if (_counting)
            {
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
                _times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalSeconds);
            }
        }
    }

    private static uint Field(EventWrittenEventArgs e, string name)
    {
        int i = e.PayloadNames!.IndexOf(name);
        return i < 0 ? uint.MaxValue : Convert.ToUInt32(e.Payload![i], System.Globalization.CultureInfo.InvariantCulture);
    }
}
