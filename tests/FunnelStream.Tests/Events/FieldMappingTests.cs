using System.Text;
using System.Text.Json.Nodes;
using FunnelStream.Events;
using FunnelStream.Generator;
using FunnelStream.Outputs.Replay;
using static FunnelStream.Tests.Events.ParserFixture;

namespace FunnelStream.Tests.Events;

/// <summary>Field mapping (spec/events.md, "Field mapping"): renamed and nested properties, foreign <c>type</c> values.</summary>
public class FieldMappingTests
{
    /// <summary>A Segment/HubSpot-style schema that moves every contract field somewhere else.</summary>
    private static readonly Dictionary<string, string> ForeignPaths = new()
    {
        ["id"] = "messageId",
        ["type"] = "event.name",
        ["ts"] = "occurred_at",
        ["journey"] = "user.id",
        ["campaign"] = "properties.utm.campaign",
        ["channel"] = "properties.utm.medium",
        ["source"] = "properties.utm.source",
        ["segment"] = "traits.tier",
        ["cost"] = "properties.cost",
        ["amount"] = "properties.deal.amount",
        ["currency"] = "properties.deal.currency",
    };

    private static readonly Dictionary<string, string> ForeignTypes = new()
    {
        ["Ad Impression"] = "impression",
        ["Page View"] = "click",
        ["Form Submitted"] = "lead",
        ["Closed Won"] = "won",
        ["Closed Lost"] = "lost",
    };

    private static readonly FunnelDefinition AllDimensions = new(
        FunnelDefinition.Default.Stages.Take(FunnelDefinition.Default.OrderedCount),
        ["lost", "renewal", "expansion", "churn"],
        ["campaign", "channel", "source", "segment"]);

    private static EventParserOptions ForeignOptions()
    {
        var options = new EventParserOptions { TypeValues = new Dictionary<string, string>(ForeignTypes) };
        foreach ((string field, string path) in ForeignPaths)
            options.SetFieldPath(field, path);
        return options;
    }

    /// <summary>
    /// The contract record in the foreign schema: each field at its path, mapped type values, and
    /// properties to skip (an object, an array of objects, a scalar) around them.
    /// </summary>
    private static byte[] ToForeign(byte[] contract)
    {
        JsonObject c = JsonNode.Parse(contract)!.AsObject();
        var foreign = new JsonObject
        {
            ["context"] = new JsonObject { ["library"] = new JsonObject { ["name"] = "analytics.js" }, ["ip"] = "10.0.0.1" },
            ["batch"] = new JsonArray(new JsonObject { ["messageId"] = "not-this-one", ["event"] = new JsonObject { ["name"] = "Page View" } }),
        };
        Dictionary<string, string> stageToForeign = ForeignTypes.ToDictionary(p => p.Value, p => p.Key);
        foreach ((string field, JsonNode? value) in c)
        {
            JsonNode? v = value?.DeepClone();
            if (field == "type" && stageToForeign.TryGetValue((string)value!, out string? foreignType))
                v = foreignType;
            string[] path = ForeignPaths[field].Split('.');
            JsonObject parent = foreign;
            foreach (string segment in path[..^1])
                parent = parent[segment] as JsonObject ?? (JsonObject)(parent[segment] = new JsonObject());
            parent[path[^1]] = v;
        }
        foreign["version"] = 2;
        return Encoding.UTF8.GetBytes(foreign.ToJsonString());
    }

    private static readonly DateTimeOffset TrafficStart = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static List<byte[]> GeneratedContractRecords(bool imperfect) =>
        new TrafficGenerator(new TrafficOptions
        {
            Seed = 11,
            Start = TrafficStart,
            Duration = TimeSpan.FromHours(2),
            EventsPerSecond = 20,
            StageDelayScale = 0.0001,
            SpendReportInterval = TimeSpan.FromMinutes(30),
            NumericTimestampRate = 0.2,
            DuplicateRate = imperfect ? 0.02 : 0,
            OutOfOrderJitter = imperfect ? TimeSpan.FromSeconds(20) : TimeSpan.Zero,
            LateRate = imperfect ? 0.01 : 0,
        }).Generate().Select(r => r.Value).ToList();

    // ---- Foreign schema == contract schema ----

    [Fact]
    public void Parse_GeneratedTrafficInForeignSchema_SameEventsAsContractSchema()
    {
        List<byte[]> contract = GeneratedContractRecords(imperfect: false);
        var plain = new ParserFixture(funnel: AllDimensions);
        var mapped = new ParserFixture(ForeignOptions(), AllDimensions);
        long now = (TrafficStart + TimeSpan.FromHours(3)).ToUnixTimeMilliseconds();
        plain.Parser.SetClock(now, now);
        mapped.Parser.SetClock(now, now);
        var stagesSeen = new HashSet<int>();
        foreach (byte[] record in contract)
        {
            byte[] foreign = ToForeign(record);
            RejectReason expectedReason = plain.Parser.Parse(record, out FunnelEvent expected);
            RejectReason actualReason = mapped.Parser.Parse(foreign, out FunnelEvent actual);
            Assert.True(expectedReason == actualReason, $"{expectedReason} != {actualReason}: {Encoding.UTF8.GetString(foreign)}");
            Assert.Equal(expected.IdHash, actual.IdHash);
            Assert.Equal(expected.Stage, actual.Stage);
            Assert.Equal(expected.TimestampMs, actual.TimestampMs);
            Assert.Equal(expected.JourneyHash, actual.JourneyHash);
            Assert.Equal(expected.CostMicros, actual.CostMicros);
            Assert.Equal(expected.AmountMicros, actual.AmountMicros);
            for (int d = 0; d < AllDimensions.Dimensions.Count; d++)
                Assert.Equal(plain.Interners[d].NameOf(expected.Dimensions[d]), mapped.Interners[d].NameOf(actual.Dimensions[d]));
            Assert.Equal(RejectReason.None, actualReason);
            stagesSeen.Add(actual.Stage);
        }
        Assert.True(contract.Count > 1000, $"only {contract.Count} records");
        // Mapped and unmapped type values, money and every dimension were exercised.
        Assert.Superset(new HashSet<int> { 0, 1, 2, 3, AllDimensions.SpendStage }, stagesSeen);
    }

    [Fact]
    public void Replay_GeneratedTrafficInForeignSchema_SameOutputAsContractSchema()
    {
        List<byte[]> contract = GeneratedContractRecords(imperfect: true);
        // Journeys on, so the journey rows (keyed by the mapped journey field) are compared too.
        var journeys = new FunnelStream.Engine.Journeys.JourneyOptions { CohortSize = TimeSpan.FromHours(1) };
        var options = new ReplayOptions { Now = new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero), By = ["channel", "segment"], Window = TimeSpan.FromMinutes(10), Journeys = journeys };
        (string expected, ReplaySummary expectedSummary) = Replay(contract, options);
        (string actual, ReplaySummary actualSummary) = Replay(contract.Select(ToForeign), new ReplayOptions
        {
            Now = options.Now, By = options.By, Window = options.Window, Parser = ForeignOptions(), Journeys = journeys,
        });

        Assert.Equal(expected, actual);
        Assert.Contains(",journey.converted.click.lead,", expected);
        Assert.Equal(expectedSummary.Counted, actualSummary.Counted);
        Assert.Equal(expectedSummary.Duplicates, actualSummary.Duplicates);
        Assert.Equal(expectedSummary.Rejected, actualSummary.Rejected);
        Assert.True(expectedSummary.Counted > 1000 && expectedSummary.Duplicates > 0, "the traffic exercised counting and dedup");
    }

    private static (string Output, ReplaySummary Summary) Replay(IEnumerable<byte[]> records, ReplayOptions options)
    {
        var jsonl = new MemoryStream();
        foreach (byte[] r in records)
        {
            jsonl.Write(r);
            jsonl.WriteByte((byte)'\n');
        }
        jsonl.Position = 0;
        using var output = new StringWriter();
        ReplaySummary summary = ReplayRunner.Run(jsonl, output, options);
        return (output.ToString(), summary);
    }

    // ---- Nested paths ----

    private static ParserFixture Mapped(params (string Field, string Path)[] paths)
    {
        var options = new EventParserOptions { TypeValues = { ["Closed Won"] = "won", ["Page View"] = "click" } };
        foreach ((string field, string path) in paths)
            options.SetFieldPath(field, path);
        return new ParserFixture(options);
    }

    [Fact]
    public void Parse_NestedPaths_ReadFromNestedObjects()
    {
        ParserFixture kit = Mapped(("type", "event.name"), ("journey", "user.id"), ("campaign", "properties.utm.campaign"), ("cost", "properties.cost"));
        FunnelEvent e = kit.Accept("""{"id":"c-1","event":{"name":"click","type":"won"},"ts":"2026-11-22T10:00:00Z","user":{"id":"v-42"},"properties":{"cost":1.25,"utm":{"campaign":"spring"}}}""");
        Assert.Equal(kit.Stage("click"), e.Stage);
        Assert.Equal(Hash("v-42"), e.JourneyHash);
        Assert.Equal(1_250_000, e.CostMicros);
        Assert.Equal("spring", kit.Interners[0].NameOf(e.Dimensions[0]));
    }

    [Fact]
    public void Parse_NestedPath_ContractNameAtTopLevelIsIgnored()
    {
        ParserFixture kit = Mapped(("type", "event.name"));
        Assert.Equal(RejectReason.MissingType, kit.Parse("""{"id":"c-1","type":"click","ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
    }

    [Fact]
    public void Parse_EscapedNestedPropertyNames_Match()
    {
        ParserFixture kit = Mapped(("type", "event.name"));
        FunnelEvent e = kit.Accept("""{"id":"c-1","\u0065vent":{"n\u0061me":"lead"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""");
        Assert.Equal(kit.Stage("lead"), e.Stage);
    }

    [Theory]
    [InlineData("""{"id":"c-1","ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":null,"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":"click","ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":17,"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{"name":null},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{"other":{"name":"click"}},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    public void Parse_ParentMissingNullOrNotObject_FieldAbsent(string record) =>
        Assert.Equal(RejectReason.MissingType, Mapped(("type", "event.name")).Parse(record));

    [Theory]
    [InlineData("""{"id":"c-1","event":[{"name":"click"}],"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":[],"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","events":[{"event":{"name":"click"}}],"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    public void Parse_ArraysOnTheWay_SkippedAndFieldAbsent(string record) =>
        Assert.Equal(RejectReason.MissingType, Mapped(("type", "event.name")).Parse(record));

    [Fact]
    public void Parse_ArraysAndObjectsBesideNestedFields_Skipped()
    {
        ParserFixture kit = Mapped(("type", "event.name"), ("journey", "event.user.id"));
        FunnelEvent e = kit.Accept("""{"id":"c-1","event":{"tags":[{"name":"won"},[1,{"x":2}]],"meta":{"name":"won","user":{"id":"x"}},"user":{"id":"v-9","traits":[1]},"name":"Closed Won"},"ts":"2026-11-22T10:00:00Z"}""");
        Assert.Equal(kit.Stage("won"), e.Stage);
        Assert.Equal(Hash("v-9"), e.JourneyHash);
    }

    [Theory]
    [InlineData("""{"id":"c-1","event":{"name":"click","name":"lead"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{"name":"click"},"event":{"name":"lead"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{"name":"click"},"event":{},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":null,"event":{"name":"lead"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    [InlineData("""{"id":"c-1","event":{"name":null,"name":"lead"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""")]
    public void Parse_MappedPathPropertyTwice_ReturnsDuplicateField(string record) =>
        Assert.Equal(RejectReason.DuplicateField, Mapped(("type", "event.name")).Parse(record));

    [Fact]
    public void Parse_UnmappedPropertyTwiceInsideParent_Accepted() =>
        Mapped(("type", "event.name")).Accept("""{"id":"c-1","event":{"x":1,"x":2,"name":"click"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}""");

    [Fact]
    public void Parse_InvalidNestedValue_ReportedInRecordOrder()
    {
        ParserFixture kit = Mapped(("type", "event.name"), ("cost", "event.cost"));
        Assert.Equal(RejectReason.InvalidId, kit.Parse("""{"id":7,"event":{"cost":-1,"name":"nope"},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
        Assert.Equal(RejectReason.InvalidMoney, kit.Parse("""{"event":{"cost":-1,"name":"nope"},"id":7,"ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
        Assert.Equal(RejectReason.UnknownType, kit.Parse("""{"event":{"name":{"nested":"click"},"cost":-1},"id":"c-1","ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
    }

    [Fact]
    public void Parse_MalformedOrTooDeepInsideParent_Rejected()
    {
        ParserFixture kit = Mapped(("type", "event.name"));
        Assert.Equal(RejectReason.InvalidJson, kit.Parse("""{"id":"c-1","event":{"name":"click",},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
        Assert.Equal(RejectReason.InvalidJson, kit.Parse("{\"id\":\"c-1\",\"event\":{\"name\":\"click\""));
        string deep = "{\"id\":\"c-1\",\"event\":{\"name\":\"click\",\"x\":" + new string('[', 20) + new string(']', 20) + "},\"ts\":\"2026-11-22T10:00:00Z\",\"journey\":\"v-1\"}";
        Assert.Equal(RejectReason.TooDeep, kit.Parse(deep));
        var shallow = new EventParserOptions { TypeProperty = "event.name", MaxDepth = 2 };
        Assert.Equal(RejectReason.TooDeep, new ParserFixture(shallow).Parse("""{"id":"c-1","event":{"name":{"a":1}},"ts":"2026-11-22T10:00:00Z","journey":"v-1"}"""));
    }

    [Fact]
    public void Parse_SiblingPathsUnderOneParent_AllRead()
    {
        ParserFixture kit = Mapped(("id", "meta.id"), ("ts", "meta.at"), ("journey", "meta.who"), ("type", "meta.what"));
        FunnelEvent e = kit.Accept("""{"meta":{"what":"lead","who":"v-1","at":1795341600000,"id":"l-1"}}""");
        Assert.Equal(kit.Stage("lead"), e.Stage);
        Assert.Equal(Hash("l-1"), e.IdHash);
        Assert.Equal(1795341600000, e.TimestampMs);
    }

    // ---- Type values ----

    [Fact]
    public void Parse_MappedTypeValues_BecomeTheirStages()
    {
        ParserFixture kit = Mapped();
        Assert.Equal(kit.Stage("won"), kit.Accept(Event("\"type\":\"Closed Won\"", "\"amount\":100")).Stage);
        Assert.Equal(kit.Stage("click"), kit.Accept(Event("\"type\":\"Page\\u0020View\"")).Stage);
    }

    [Theory]
    [InlineData("lead")]
    [InlineData("spend")]
    public void Parse_UnmappedTypeValue_UsesStageLookup(string stage)
    {
        ParserFixture kit = Mapped();
        Assert.Equal(kit.Stage(stage), kit.Accept(Event($"\"type\":\"{stage}\"")).Stage);
    }

    [Theory]
    [InlineData("closed won")]
    [InlineData("Closed Won ")]
    [InlineData("Closed")]
    public void Parse_TypeValueNotExactlyMapped_ReturnsUnknownType(string value) =>
        Assert.Equal(RejectReason.UnknownType, Mapped().Parse(Event($"\"type\":\"{value}\"")));

    [Fact]
    public void Parse_TypeValueNamedLikeAStage_MappingWins()
    {
        var kit = new ParserFixture(new EventParserOptions { TypeValues = { ["lead"] = "mql" } });
        Assert.Equal(kit.Stage("mql"), kit.Accept(Event("\"type\":\"lead\"")).Stage);
    }

    // ---- Options ----

    [Fact]
    public void FieldPaths_GetAndSetByContractName()
    {
        var o = new EventParserOptions();
        Assert.Equal(["id", "type", "ts", "journey", "campaign", "channel", "source", "segment", "cost", "amount", "currency"], EventParserOptions.FieldNames);
        Assert.All(EventParserOptions.FieldNames, f => Assert.Equal(f, o.GetFieldPath(f)));
        o.SetFieldPath("ts", "occurred_at");
        Assert.Equal("occurred_at", o.TimestampProperty);
        var e = Assert.Throws<ArgumentException>(() => o.SetFieldPath("timestamp", "x"));
        Assert.Contains("allowed: id, type, ts", e.Message);
    }

    public static TheoryData<EventParserOptions, string> InvalidMappings => new()
    {
        { new EventParserOptions { TypeProperty = "event..name" }, nameof(EventParserOptions.TypeProperty) },
        { new EventParserOptions { TypeProperty = ".name" }, nameof(EventParserOptions.TypeProperty) },
        { new EventParserOptions { TypeProperty = "event." }, nameof(EventParserOptions.TypeProperty) },
        { new EventParserOptions { TypeProperty = "user", JourneyProperty = "user.id" }, nameof(EventParserOptions.JourneyProperty) },
        { new EventParserOptions { TypeProperty = "user.id.x", JourneyProperty = "user.id" }, nameof(EventParserOptions.JourneyProperty) },
        { new EventParserOptions { TypeProperty = "a.b", JourneyProperty = "a.b" }, nameof(EventParserOptions.JourneyProperty) },
        { new EventParserOptions { TypeProperty = "a.b.c", MaxDepth = 2 }, nameof(EventParserOptions.TypeProperty) },
        { new EventParserOptions { TypeValues = { [""] = "won" } }, nameof(EventParserOptions.TypeValues) },
        { new EventParserOptions { TypeValues = { ["Closed Won"] = "closed_won" } }, nameof(EventParserOptions.TypeValues) },
        { new EventParserOptions { TypeValues = { ["Closed Won"] = "Won" } }, nameof(EventParserOptions.TypeValues) },
    };

    [Theory]
    [MemberData(nameof(InvalidMappings))]
    public void Constructor_InvalidMapping_ThrowsNamingTheOption(EventParserOptions options, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new ParserFixture(options));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Constructor_TooManyParentObjects_Throws()
    {
        var o = new EventParserOptions();
        int field = 0;
        foreach (string name in EventParserOptions.FieldNames)
            o.SetFieldPath(name, $"a{field}.b{field}.c{field++}");   // 22 distinct parents
        var e = Assert.Throws<ArgumentException>(() => new ParserFixture(o));
        Assert.Contains("parent objects", e.Message);
    }
}
