using System.Globalization;
using System.Text.Json;
using FunnelStream.Events;
using FunnelStream.Generator;

namespace FunnelStream.Tests.Generator;

/// <summary>Helpers shared by the generator tests: options for fast, dense traffic, and a parsed view of records.</summary>
internal static class GeneratorTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The stages of the default funnel (and <c>spend</c>), in contract order.</summary>
    public static readonly string[] AllTypes =
        ["impression", "click", "lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn", "spend"];

    public static readonly HashSet<string> JourneyTypes = ["lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn"];

    /// <summary>Dense traffic with every delay compressed 10,000-fold, so that whole journeys fit in a few hours.</summary>
    public static TrafficOptions Fast(long seed = 7, double eventsPerSecond = 200, TimeSpan? duration = null) => new()
    {
        Seed = seed,
        Start = Start,
        Duration = duration ?? TimeSpan.FromHours(1),
        EventsPerSecond = eventsPerSecond,
        StageDelayScale = 0.0001,
        SpendReportInterval = TimeSpan.FromMinutes(10),
    };

    /// <summary>High conversion rates, so that every stage gets a large sample from little traffic.</summary>
    public static TrafficOptions Boosted(TrafficOptions o)
    {
        o.ClickThroughRate = 0.2;
        o.ClickToLeadRate = 0.5;
        o.LeadToMqlRate = 0.6;
        o.MqlToSqlRate = 0.5;
        o.SqlToOpportunityRate = 0.6;
        o.OpportunityToWonRate = 0.4;
        return o;
    }

    public static List<GeneratedRecord> Generate(TrafficOptions options) => new TrafficGenerator(options).Generate().ToList();

    /// <summary>A parser over the default funnel with all four dimensions, accepting any time from 2000 to 2100.</summary>
    public static EventParser NewParser()
    {
        var funnel = new FunnelDefinition(
            ["impression", "click", "lead", "mql", "sql", "opportunity", "won"],
            ["lost", "renewal", "expansion", "churn"],
            ["campaign", "channel", "source", "segment"]);
        var parser = new EventParser(funnel, new EventParserOptions { MaxAge = TimeSpan.FromDays(365 * 100) },
            funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray());
        parser.SetClock(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds());
        return parser;
    }

    /// <summary>The fields of one valid record, read with <see cref="JsonDocument"/> (strict: throws on anything unexpected).</summary>
    public static Event Parse(byte[] value)
    {
        using JsonDocument doc = JsonDocument.Parse(value);
        JsonElement root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        JsonElement ts = root.GetProperty("ts");
        long tsMs = ts.ValueKind == JsonValueKind.Number
            ? ts.GetInt64()
            : DateTimeOffset.ParseExact(ts.GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
        return new Event(
            root.GetProperty("id").GetString()!,
            root.GetProperty("type").GetString()!,
            tsMs,
            ts.ValueKind == JsonValueKind.Number ? null : ts.GetString(),
            Text(root, "journey"),
            Text(root, "campaign"),
            Text(root, "channel"),
            Text(root, "source"),
            Text(root, "segment"),
            Raw(root, "cost"),
            Raw(root, "amount"),
            Text(root, "currency"));
    }

    public static IEnumerable<(GeneratedRecord Record, Event Event)> ParseValid(IEnumerable<GeneratedRecord> records) =>
        records.Where(r => r.Kind is RecordKind.Valid or RecordKind.Late).Select(r => (r, Parse(r.Value)));

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) ? e.GetString() : null;

    private static string? Raw(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) ? e.GetRawText() : null;

    /// <summary>One event as written; <see cref="Cost"/> and <see cref="Amount"/> are the raw JSON number text.</summary>
    public sealed record Event(
        string Id, string Type, long TsMs, string? TsText, string? Journey,
        string? Campaign, string? Channel, string? Source, string? Segment,
        string? Cost, string? Amount, string? Currency)
    {
        public decimal CostValue => Cost is null ? 0 : decimal.Parse(Cost, CultureInfo.InvariantCulture);
        public decimal AmountValue => Amount is null ? 0 : decimal.Parse(Amount, CultureInfo.InvariantCulture);
    }
}
