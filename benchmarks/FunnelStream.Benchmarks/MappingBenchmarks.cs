using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// The cost of field mapping (spec/events.md, "Field mapping"): the events of
/// <see cref="ParseBenchmarks"/> in the contract schema with the default options (mapping off), and
/// the same events in a Segment-style foreign schema (renamed fields, nested paths, foreign
/// <c>type</c> values) with a mapping (mapping on). Each has its bare-reader floor over the same bytes,
/// because the foreign records are longer. Results are per event (<c>OperationsPerInvoke</c>).
/// </summary>
[MemoryDiagnoser]
public class MappingBenchmarks
{
    private const int PayloadCount = 1000;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _contract = [];
    private byte[][] _foreign = [];
    private EventParser _contractParser = null!;
    private EventParser _foreignParser = null!;

    /// <summary>The mapping of <see cref="ToForeign"/>'s schema.</summary>
    internal static EventParserOptions ForeignOptions() => new()
    {
        IdProperty = "messageId",
        TypeProperty = "event.name",
        TimestampProperty = "occurred_at",
        JourneyProperty = "user.id",
        CampaignProperty = "properties.utm.campaign",
        ChannelProperty = "properties.utm.medium",
        SourceProperty = "properties.utm.source",
        CostProperty = "properties.cost",
        AmountProperty = "properties.revenue",
        CurrencyProperty = "properties.currency",
        TypeValues = { ["Ad Clicked"] = "click", ["Form Submitted"] = "lead", ["Closed Won"] = "won" },
    };

    [GlobalSetup]
    public void Setup()
    {
        _contract = ParseBenchmarks.MixedPayloads(PayloadCount, new Random(42));
        _foreign = _contract.Select(ToForeign).ToArray();
        _contractParser = CreateParser(new EventParserOptions(), _contract);
        _foreignParser = CreateParser(ForeignOptions(), _foreign);
        for (int i = 0; i < PayloadCount; i++)
        {
            _contractParser.Parse(_contract[i], out FunnelEvent expected);
            _foreignParser.Parse(_foreign[i], out FunnelEvent actual);
            if (expected.IdHash != actual.IdHash || expected.Stage != actual.Stage || expected.TimestampMs != actual.TimestampMs
                || expected.CostMicros != actual.CostMicros || expected.AmountMicros != actual.AmountMicros || expected.JourneyHash != actual.JourneyHash)
            {
                throw new InvalidOperationException($"foreign payload parsed differently: {Encoding.UTF8.GetString(_foreign[i])}");
            }
        }
    }

    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public long BareReaderContract() => BareReader(_contract);

    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public long BareReaderForeign() => BareReader(_foreign);

    [Benchmark(Baseline = true, OperationsPerInvoke = PayloadCount)]
    public long ParseEvents() => Parse(_contractParser, _contract);

    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public long ParseEventsMapped() => Parse(_foreignParser, _foreign);

    private static long Parse(EventParser parser, byte[][] payloads)
    {
        long sum = 0;
        foreach (byte[] payload in payloads)
        {
            if (parser.Parse(payload, out FunnelEvent e) == RejectReason.None)
                sum += e.TimestampMs ^ (long)e.IdHash;
        }
        return sum;
    }

    private static long BareReader(byte[][] payloads)
    {
        long sum = 0;
        foreach (byte[] payload in payloads)
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
                sum += (int)reader.TokenType;
        }
        return sum;
    }

    private static EventParser CreateParser(EventParserOptions options, byte[][] payloads)
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        var parser = new EventParser(funnel, options, funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray());
        long now = Now.ToUnixTimeMilliseconds();
        parser.SetClock(now, now);
        // Steady state: every dimension value is interned before measuring, and every payload is accepted.
        foreach (byte[] p in payloads)
        {
            RejectReason reason = parser.Parse(p, out _);
            if (reason != RejectReason.None)
                throw new InvalidOperationException($"benchmark payload rejected ({reason}): {Encoding.UTF8.GetString(p)}");
        }
        return parser;
    }

    /// <summary>
    /// A contract record in a Segment-style schema, with properties the parser must skip (<c>context</c>,
    /// an array) before and between the mapped ones:
    /// <c>{"messageId":..,"event":{"name":"Ad Clicked"},"occurred_at":..,"user":{"id":..},"context":{..},"properties":{"utm":{..},"cost":..}}</c>.
    /// </summary>
    internal static byte[] ToForeign(byte[] contract)
    {
        JsonObject c = JsonNode.Parse(contract)!.AsObject();
        string type = (string)c["type"]!;
        var properties = new JsonObject
        {
            ["utm"] = new JsonObject
            {
                ["campaign"] = c["campaign"]?.DeepClone(),
                ["medium"] = c["channel"]?.DeepClone(),
                ["source"] = c["source"]?.DeepClone(),
            },
        };
        if (c["cost"] is JsonNode cost)
            properties["cost"] = cost.DeepClone();
        if (c["amount"] is JsonNode amount)
            properties["revenue"] = amount.DeepClone();
        if (c["currency"] is JsonNode currency)
            properties["currency"] = currency.DeepClone();
        var foreign = new JsonObject
        {
            ["messageId"] = c["id"]!.DeepClone(),
            ["event"] = new JsonObject { ["name"] = type switch { "click" => "Ad Clicked", "lead" => "Form Submitted", "won" => "Closed Won", _ => type } },
            ["occurred_at"] = c["ts"]!.DeepClone(),
            ["user"] = new JsonObject { ["id"] = c["journey"]?.DeepClone() },
            ["context"] = new JsonObject { ["library"] = new JsonObject { ["name"] = "analytics.js", ["version"] = "4.1.0" }, ["tags"] = new JsonArray("a", "b") },
            ["properties"] = properties,
        };
        return Encoding.UTF8.GetBytes(foreign.ToJsonString());
    }
}
