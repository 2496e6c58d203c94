namespace FunnelStream.Configuration;

/// <summary>
/// All settings, bound from the <c>FunnelStream</c> section of <c>appsettings.json</c> and from
/// environment variables such as <c>FunnelStream__Kafka__BootstrapServers</c>. Every key is
/// documented in docs/configuration.md; an unknown key or an invalid value stops start-up with a
/// message naming the key.
/// </summary>
public sealed class FunnelStreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "FunnelStream";

    public KafkaSettings Kafka { get; set; } = new();

    public WebSettings Web { get; set; } = new();

    public FunnelSettings Funnel { get; set; } = new();

    public WindowSettings Windows { get; set; } = new();

    public DedupSettings Dedup { get; set; } = new();

    public EventSettings Events { get; set; } = new();

    public PipelineSettings Pipeline { get; set; } = new();

    public JourneySettings Journeys { get; set; } = new();

    public KpiSettings Kpis { get; set; } = new();

    /// <summary>Funnel leakage detection and alerts (issue 4).</summary>
    public LeakageSettings Leakage { get; set; } = new();

    public OutputSettings Outputs { get; set; } = new();

    /// <summary><c>FunnelStream:State</c>: checkpoints (docs/reliability.md).</summary>
    public StateSettings State { get; set; } = new();
}

/// <summary><c>FunnelStream:Kafka</c>.</summary>
public sealed class KafkaSettings
{
    /// <summary>Bootstrap servers; empty means the embedded broker (<c>demo</c>) or an error (<c>run</c>).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Consumer group id. Default <c>funnelstream</c>.</summary>
    public string GroupId { get; set; } = "funnelstream";

    /// <summary>Input topics. Default <c>funnel.clicks, funnel.leads, funnel.deals</c>.</summary>
    public string[]? Topics { get; set; }

    /// <summary>Dead-letter topic; empty to not forward. Default <c>funnel.dlq</c>.</summary>
    public string DeadLetterTopic { get; set; } = "funnel.dlq";

    /// <summary>librdkafka settings passed through unchanged (SASL, TLS, ...). Values are never logged.</summary>
    public Dictionary<string, string> Client { get; set; } = [];

    internal string[] ResolvedTopics => Topics is { Length: > 0 } t ? t : ["funnel.clicks", "funnel.leads", "funnel.deals"];
}

/// <summary><c>FunnelStream:Web</c>.</summary>
public sealed class WebSettings
{
    /// <summary>Where <c>/metrics</c> and <c>/healthz/*</c> listen. Default <c>http://127.0.0.1:9464</c> (loopback only).</summary>
    public string Listen { get; set; } = "http://127.0.0.1:9464";
}

/// <summary><c>FunnelStream:Funnel</c>.</summary>
public sealed class FunnelSettings
{
    /// <summary>Ordered stages, top to bottom. Default <c>impression, click, lead, mql, sql, opportunity, won</c>.</summary>
    public string[]? Stages { get; set; }

    /// <summary>Stages outside the order. Default <c>lost, renewal, expansion, churn</c>.</summary>
    public string[]? OtherStages { get; set; }

    /// <summary>Breakdown dimensions (labels), from <c>campaign, channel, source, segment</c>. Default <c>campaign, channel</c>.</summary>
    public string[]? Dimensions { get; set; }

    /// <summary>Distinct values kept per dimension; later values fold into <c>other</c>. Default 1000, at most 65,000.</summary>
    public int MaxValuesPerDimension { get; set; } = 1000;

    /// <summary>Per dimension, a budget replacing <see cref="MaxValuesPerDimension"/> (e.g. <c>"campaign": 200</c>), 1 to 65,000. Default empty.</summary>
    public Dictionary<string, int> MaxValuesByDimension { get; set; } = [];
}

/// <summary><c>FunnelStream:Windows</c>.</summary>
public sealed class WindowSettings
{
    /// <summary>Tumbling window sizes. Default <c>00:01:00, 01:00:00</c>.</summary>
    public TimeSpan[]? Sizes { get; set; }

    /// <summary>How far behind the watermark an event may be and still count. Default 5 min.</summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rolling windows for <c>funnel_conversion_ratio</c>. Default 5 min, 1 h, 24 h.</summary>
    public TimeSpan[]? Rolling { get; set; }

    /// <summary>A partition silent this long stops holding the watermark back. Default 30 s.</summary>
    public TimeSpan IdleSourceTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary><c>FunnelStream:Dedup</c>.</summary>
public sealed class DedupSettings
{
    /// <summary>How long (event time) an id is remembered. Default 24 h.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Most ids remembered at once (about 24 bytes each). Default 4,000,000.</summary>
    public int MaxEntries { get; set; } = 4_000_000;
}

/// <summary><c>FunnelStream:Events</c>: parsing and rejection rules.</summary>
public sealed class EventSettings
{
    /// <summary>Largest accepted record value, bytes. Default 65,536.</summary>
    public int MaxRecordBytes { get; set; } = 65_536;

    /// <summary>How far in the future a <c>ts</c> may be. Default 15 min.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How old a <c>ts</c> may be. Default 30 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Whether a later <c>spend</c> report for the same campaign, channel and UTC day replaces the earlier
    /// figure instead of adding to it (docs/events.md, "Spend restatements"). Default false.
    /// </summary>
    public bool SpendRestatements { get; set; }

    /// <summary>Largest accepted <c>cost</c> or <c>amount</c>, currency units. Default 1,000,000,000.</summary>
    public decimal MaxMoney { get; set; } = 1_000_000_000m;

    /// <summary>The currency of all money; events in another currency are rejected. Default <c>USD</c>.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>
    /// Field mapping: contract field name (<c>id, type, ts, journey, campaign, channel, source, segment,
    /// cost, amount, currency</c>) to the property name or dotted path it is read from, e.g.
    /// <c>"type": "event.name"</c>. Fields not named keep their contract name. Default empty.
    /// </summary>
    public Dictionary<string, string> Fields { get; set; } = [];

    /// <summary>Foreign <c>type</c> values (exact, case-sensitive) to stage names, e.g. <c>"Closed Won": "won"</c>. Default empty.</summary>
    public Dictionary<string, string> TypeValues { get; set; } = [];
}

/// <summary><c>FunnelStream:Pipeline</c>.</summary>
public sealed class PipelineSettings
{
    /// <summary>Records per batch from the consumer thread to the engine thread. Default 1024.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>Batches that may wait for the engine before the consumer waits. Default 64.</summary>
    public int ChannelCapacity { get; set; } = 64;
}
