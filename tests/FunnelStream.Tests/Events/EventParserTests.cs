using System.Text;
using FunnelStream.Events;
using static FunnelStream.Tests.Events.ParserFixture;

namespace FunnelStream.Tests.Events;

public class EventParserTests
{
    private readonly ParserFixture _kit = new();

    // ---- The contract's examples (spec/events.md, "Example") ----

    [Fact]
    public void Parse_SpecExamples_ParseToExpectedEvents()
    {
        FunnelEvent impression = _kit.Accept("""{"id":"c-1","type":"impression","ts":"2026-11-22T10:00:00Z","campaign":"spring","channel":"linkedin","cost":0.012}""");
        FunnelEvent click = _kit.Accept("""{"id":"c-2","type":"click","ts":"2026-11-22T10:00:03Z","journey":"v-42","campaign":"spring","channel":"linkedin","cost":1.25}""");
        FunnelEvent lead = _kit.Accept("""{"id":"l-9","type":"lead","ts":"2026-11-22T10:02:00Z","journey":"v-42","campaign":"spring","channel":"linkedin"}""");
        FunnelEvent won = _kit.Accept("""{"id":"d-7","type":"won","ts":"2026-12-02T15:00:00Z","journey":"v-42","amount":12000,"currency":"USD"}""");
        FunnelEvent spend = _kit.Accept("""{"id":"s-1","type":"spend","ts":"2026-11-22T23:59:59Z","campaign":"spring","channel":"linkedin","cost":2000}""");

        int spring = _kit.Interners[0].Intern("spring".AsSpan());
        int linkedin = _kit.Interners[1].Intern("linkedin".AsSpan());
        Assert.Equal(2, spring);      // the first value after unknown (0) and other (1)
        Assert.Equal(2, linkedin);

        AssertEvent(impression, "impression", "2026-11-22T10:00:00Z", "c-1", journey: null, spring, linkedin, cost: 12_000, amount: 0);
        AssertEvent(click, "click", "2026-11-22T10:00:03Z", "c-2", "v-42", spring, linkedin, cost: 1_250_000, amount: 0);
        AssertEvent(lead, "lead", "2026-11-22T10:02:00Z", "l-9", "v-42", spring, linkedin, cost: 0, amount: 0);
        AssertEvent(won, "won", "2026-12-02T15:00:00Z", "d-7", "v-42", DimensionInterner.UnknownId, DimensionInterner.UnknownId, cost: 0, amount: 12_000_000_000);
        AssertEvent(spend, "spend", "2026-11-22T23:59:59Z", "s-1", journey: null, spring, linkedin, cost: 2_000_000_000, amount: 0);
        Assert.Equal(_kit.Funnel.SpendStage, spend.Stage);
    }

    private void AssertEvent(FunnelEvent e, string stage, string ts, string id, string? journey, int campaign, int channel, long cost, long amount)
    {
        Assert.Equal(_kit.Stage(stage), e.Stage);
        Assert.Equal(Ms(ts), e.TimestampMs);
        Assert.Equal(Hash(id), e.IdHash);
        Assert.Equal(journey is null ? 0UL : Hash(journey), e.JourneyHash);
        Assert.Equal(campaign, e.Dimensions[0]);
        Assert.Equal(channel, e.Dimensions[1]);
        Assert.Equal(cost, e.CostMicros);
        Assert.Equal(amount, e.AmountMicros);
    }

    // ---- Malformed records ----

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("}")]
    [InlineData("""{"id":"a",}""")]
    [InlineData("""{"id" "a"}""")]
    [InlineData("""{"id":'a'}""")]
    [InlineData("""{"id":"a" "type":"click"}""")]
    [InlineData("""{"id":"a"]""")]
    [InlineData("""{"id":"a"} {}""")]
    [InlineData("""{"id":"a"}x""")]
    [InlineData("""{"id":"a"} // comment""")]
    [InlineData("""{/* c */"id":"a"}""")]
    [InlineData("""{"id":"a\x"}""")]
    [InlineData("{\"id\":\"tab\tinside\"}")]
    [InlineData("""{"cost":01}""")]
    [InlineData("""{"cost":1.}""")]
    [InlineData("\uFEFF{}")]
    public void Parse_MalformedJson_ReturnsInvalidJson(string record) =>
        Assert.Equal(RejectReason.InvalidJson, _kit.Parse(record));

    [Fact]
    public void Parse_EveryTruncationOfValidEvent_ReturnsInvalidJson()
    {
        string record = """{"id":"c-2","type":"click","ts":"2026-11-22T10:00:03Z","journey":"v-42","x":{"y":[1,2.5,true,null]},"cost":1.25}""";
        byte[] bytes = Encoding.UTF8.GetBytes(record);
        Assert.Equal(RejectReason.None, _kit.Parse(bytes));
        for (int length = 0; length < bytes.Length; length++)
            Assert.Equal(RejectReason.InvalidJson, _kit.Parse(bytes[..length]));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"id":"c-1","type":"click","ts":"2026-11-22T10:00:00Z"}]""")]
    [InlineData("42")]
    [InlineData("\"a string\"")]
    [InlineData("null")]
    [InlineData("true")]
    public void Parse_TopLevelNotAnObject_ReturnsInvalidJson(string record) =>
        Assert.Equal(RejectReason.InvalidJson, _kit.Parse(record));

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]              // a lead byte without its continuation
    [InlineData(new byte[] { 0xFF })]                    // never valid in UTF-8
    [InlineData(new byte[] { 0xC0, 0xAF })]              // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]        // an encoded surrogate
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })]        // a truncated 4-byte sequence
    public void Parse_InvalidUtf8InAString_ReturnsInvalidUtf8(byte[] bad)
    {
        byte[] before = Encoding.UTF8.GetBytes("""{"id":"c-1","type":"click","ts":"2026-11-22T10:00:00Z","journey":"v-42","note":" """);
        byte[] after = Encoding.UTF8.GetBytes("\"}");
        Assert.Equal(RejectReason.InvalidUtf8, _kit.Parse([.. before, .. bad, .. after]));
    }

    [Fact]
    public void Parse_RecordLargerThanMaxRecordBytes_ReturnsTooLarge()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxRecordBytes = 256 });
        string padded(int total)
        {
            string head = Click("\"pad\":\"");
            return head + new string('x', total - head.Length - 2) + "\"}";
        }
        Assert.Equal(256, Encoding.UTF8.GetByteCount(padded(256)));
        Assert.Equal(RejectReason.None, kit.Parse(padded(256)));
        Assert.Equal(RejectReason.TooLarge, kit.Parse(padded(257)));
    }

    [Fact]
    public void Parse_TooLargeAndInvalid_ReturnsTooLargeWithoutReading()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxRecordBytes = 256 });
        Assert.Equal(RejectReason.TooLarge, kit.Parse(new byte[300]));
    }

    [Theory]
    [InlineData(1, 0, RejectReason.None)]
    [InlineData(1, 1, RejectReason.TooDeep)]
    [InlineData(16, 15, RejectReason.None)]
    [InlineData(16, 16, RejectReason.TooDeep)]
    [InlineData(16, 10_000, RejectReason.TooDeep)]
    [InlineData(64, 63, RejectReason.None)]
    [InlineData(64, 64, RejectReason.TooDeep)]
    public void Parse_NestedUnknownProperty_TooDeepPastMaxDepth(int maxDepth, int nested, RejectReason expected)
    {
        var kit = new ParserFixture(new EventParserOptions { MaxDepth = maxDepth });
        // The event object is depth 1; "x" holds `nested` more levels, alternating arrays and objects.
        var value = new StringBuilder();
        for (int i = 0; i < nested; i++)
            value.Append(i % 2 == 0 ? "[" : "{\"k\":");
        value.Append('1');
        for (int i = nested - 1; i >= 0; i--)
            value.Append(i % 2 == 0 ? "]" : "}");
        Assert.Equal(expected, kit.Parse(Click("\"x\":" + value)));
    }

    [Fact]
    public void Parse_DeeplyNestedContractField_ReturnsTooDeep()
    {
        string deep = new string('[', 40) + new string(']', 40);
        Assert.Equal(RejectReason.TooDeep, _kit.Parse(Event("\"campaign\":" + deep)));
    }

    [Fact]
    public void Parse_DeepAndTruncated_ReturnsTooDeep()
    {
        Assert.Equal(RejectReason.TooDeep, _kit.Parse("{\"x\":" + new string('[', 50_000)));
    }

    // ---- Duplicates ----

    [Theory]
    [InlineData("\"id\":\"e-2\"")]
    [InlineData("\"type\":\"lead\"")]
    [InlineData("\"ts\":1795341600000")]
    [InlineData("\"journey\":\"v-1\"")]
    [InlineData("\"campaign\":\"a\",\"campaign\":\"b\"")]
    [InlineData("\"channel\":\"a\",\"channel\":null")]
    [InlineData("\"source\":\"a\",\"source\":\"b\"")]    // not a breakdown of the default funnel, still a contract field
    [InlineData("\"segment\":1,\"segment\":2")]
    [InlineData("\"cost\":1,\"cost\":1")]
    [InlineData("\"amount\":1,\"amount\":2")]
    [InlineData("\"currency\":\"USD\",\"currency\":\"USD\"")]
    [InlineData("\"\\u0069d\":\"e-2\"")]                  // "id", escaped
    public void Parse_ContractPropertyTwice_ReturnsDuplicateField(string extra) =>
        Assert.Equal(RejectReason.DuplicateField, _kit.Parse(Click(extra)));

    [Fact]
    public void Parse_UnknownPropertyTwice_Accepted() =>
        Assert.Equal(RejectReason.None, _kit.Parse(Click("\"x\":1,\"x\":{\"y\":2}")));

    // ---- Required fields ----

    [Theory]
    [InlineData("id", RejectReason.MissingId)]
    [InlineData("type", RejectReason.MissingType)]
    [InlineData("ts", RejectReason.MissingTimestamp)]
    public void Parse_RequiredFieldAbsent_ReturnsMissingReason(string field, RejectReason expected) =>
        Assert.Equal(expected, _kit.Parse(EventWithout(field)));

    [Theory]
    [InlineData("id", RejectReason.MissingId)]
    [InlineData("type", RejectReason.MissingType)]
    [InlineData("ts", RejectReason.MissingTimestamp)]
    public void Parse_RequiredFieldNull_ReturnsMissingReason(string field, RejectReason expected) =>
        Assert.Equal(expected, _kit.Parse(Event($"\"{field}\":null")));

    [Fact]
    public void Parse_EmptyObject_ReturnsMissingId() =>
        Assert.Equal(RejectReason.MissingId, _kit.Parse("{}"));

    [Theory]
    [InlineData("lead")]
    [InlineData("mql")]
    [InlineData("sql")]
    [InlineData("opportunity")]
    [InlineData("won")]
    [InlineData("lost")]
    [InlineData("renewal")]
    [InlineData("expansion")]
    [InlineData("churn")]
    public void Parse_JourneyStageWithoutJourney_ReturnsMissingJourney(string stage)
    {
        Assert.Equal(RejectReason.MissingJourney, _kit.Parse(Event($"\"type\":\"{stage}\"", "\"journey\":null")));
        Assert.Equal(RejectReason.None, _kit.Parse(Event($"\"type\":\"{stage}\"")));
    }

    [Theory]
    [InlineData("impression")]
    [InlineData("click")]
    [InlineData("spend")]
    public void Parse_ClickOrSpendWithoutJourney_AcceptedWithZeroJourneyHash(string stage)
    {
        FunnelEvent e = _kit.Accept(Event($"\"type\":\"{stage}\"", "\"journey\":null"));
        Assert.Equal(0UL, e.JourneyHash);
        Assert.Equal(_kit.Stage(stage), e.Stage);
    }

    // ---- id, type, journey ----

    [Theory]
    [InlineData("\"id\":1")]
    [InlineData("\"id\":\"\"")]
    [InlineData("\"id\":true")]
    [InlineData("\"id\":[\"a\"]")]
    [InlineData("\"id\":{\"a\":1}")]
    [InlineData("\"id\":\"\\uD800\"")]          // a lone surrogate is not text
    public void Parse_IdNotANonEmptyString_ReturnsInvalidId(string field) =>
        Assert.Equal(RejectReason.InvalidId, _kit.Parse(Event(field)));

    [Theory]
    [InlineData("a", 128, RejectReason.None)]
    [InlineData("a", 129, RejectReason.InvalidId)]
    [InlineData("é", 128, RejectReason.None)]            // 256 bytes, 128 characters
    [InlineData("é", 129, RejectReason.InvalidId)]
    [InlineData("😀", 128, RejectReason.None)]           // 512 bytes, 128 scalars
    [InlineData("😀", 129, RejectReason.InvalidId)]
    [InlineData("\\u0041", 128, RejectReason.None)]      // escaped: 768 raw bytes, 128 characters
    [InlineData("\\u0041", 129, RejectReason.InvalidId)]
    [InlineData("\\uD83D\\uDE00", 128, RejectReason.None)]
    [InlineData("\\uD83D\\uDE00", 129, RejectReason.InvalidId)]
    public void Parse_IdLength_LimitIs128Characters(string unit, int count, RejectReason expected)
    {
        string id = string.Concat(Enumerable.Repeat(unit, count));
        Assert.Equal(expected, _kit.Parse(Event($"\"id\":\"{id}\"")));
        RejectReason journeyExpected = expected == RejectReason.None ? RejectReason.None : RejectReason.InvalidJourney;
        Assert.Equal(journeyExpected, _kit.Parse(Event($"\"journey\":\"{id}\"")));
    }

    [Fact]
    public void Parse_EscapedId_HashesTheUnescapedBytes()
    {
        FunnelEvent plain = _kit.Accept(Event("\"id\":\"c-1/é\""));
        FunnelEvent escaped = _kit.Accept(Event("\"id\":\"\\u0063-1\\/\\u00e9\""));
        Assert.Equal(Hash("c-1/é"), plain.IdHash);
        Assert.Equal(plain.IdHash, escaped.IdHash);
    }

    [Theory]
    [InlineData("\"type\":\"purchase\"")]
    [InlineData("\"type\":\"Click\"")]
    [InlineData("\"type\":\"click \"")]
    [InlineData("\"type\":\"\"")]
    [InlineData("\"type\":3")]
    [InlineData("\"type\":false")]
    [InlineData("\"type\":[\"click\"]")]
    [InlineData("\"type\":{\"name\":\"click\"}")]
    public void Parse_TypeNotAStage_ReturnsUnknownType(string field) =>
        Assert.Equal(RejectReason.UnknownType, _kit.Parse(Event(field)));

    [Fact]
    public void Parse_EscapedType_MatchesStage() =>
        Assert.Equal(_kit.Stage("click"), _kit.Accept(Event("\"type\":\"cl\\u0069ck\"")).Stage);

    [Theory]
    [InlineData("\"journey\":42")]
    [InlineData("\"journey\":\"\"")]
    [InlineData("\"journey\":{}")]
    public void Parse_JourneyNotANonEmptyString_ReturnsInvalidJourney(string field) =>
        Assert.Equal(RejectReason.InvalidJourney, _kit.Parse(Event(field)));

    [Fact]
    public void Parse_JourneyOnClick_IsHashed() =>
        Assert.Equal(Hash("v-42"), _kit.Accept(Click()).JourneyHash);

    // ---- ts ----

    [Theory]
    [InlineData("2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T12:00:00+02:00", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T04:30:00-05:30", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T10:00:00-00:00", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22T10:00:00.1Z", "2026-11-22T10:00:00.100Z")]
    [InlineData("2026-11-22T10:00:00.12Z", "2026-11-22T10:00:00.120Z")]
    [InlineData("2026-11-22T10:00:00.123Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.1234Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.12345Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.123456Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.1234567Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.12345678Z", "2026-11-22T10:00:00.123Z")]
    [InlineData("2026-11-22T10:00:00.999999999Z", "2026-11-22T10:00:00.999Z")]   // truncated, never rounded into the next second
    [InlineData("2026-11-22T12:00:00.5+02:00", "2026-11-22T10:00:00.500Z")]
    [InlineData("2026-11-22t10:00:00z", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-22 10:00:00Z", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-23T01:00:00+15:00", "2026-11-22T10:00:00Z")]
    [InlineData("2026-11-30T23:59:60Z", "2026-11-30T23:59:59.999Z")]              // leap second stays in its minute
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z")]
    public void Parse_Rfc3339Timestamp_ConvertsToUtcMilliseconds(string ts, string expectedUtc)
    {
        var kit = new ParserFixture(new EventParserOptions { MaxAge = TimeSpan.FromDays(3650) });
        Assert.Equal(Ms(expectedUtc), kit.Accept(Event($"\"ts\":\"{ts}\"")).TimestampMs);
    }

    [Theory]
    [InlineData(1795341600000L)]
    [InlineData(1795341600123L)]
    public void Parse_IntegerEpochMilliseconds_TakenAsIs(long ms) =>
        Assert.Equal(ms, _kit.Accept(Event($"\"ts\":{ms}")).TimestampMs);

    [Fact]
    public void Parse_EscapedTimestamp_Parsed() =>
        Assert.Equal(Ms("2026-11-22T10:00:00Z"), _kit.Accept(Event("\"ts\":\"2026-11-22T10:00:00\\u005A\"")).TimestampMs);

    [Theory]
    [InlineData("\"2026-11-22\"")]
    [InlineData("\"2026-11-22T10:00Z\"")]
    [InlineData("\"2026-11-22T10:00:00\"")]               // no offset: local time is ambiguous
    [InlineData("\"2026-11-22T10:00:00+0200\"")]
    [InlineData("\"2026-11-22T10:00:00+02\"")]
    [InlineData("\"2026-11-22T10:00:00.Z\"")]
    [InlineData("\"2026-11-22T10:00:00.123\"")]
    [InlineData("\"2026-11-22T10:00:00ZZ\"")]
    [InlineData("\"2026-11-22T10:00:00Z \"")]
    [InlineData("\" 2026-11-22T10:00:00Z\"")]
    [InlineData("\"2026-11-22X10:00:00Z\"")]
    [InlineData("\"2026/11/22T10:00:00Z\"")]
    [InlineData("\"2026-13-01T00:00:00Z\"")]
    [InlineData("\"2026-00-01T00:00:00Z\"")]
    [InlineData("\"2026-11-00T00:00:00Z\"")]
    [InlineData("\"2026-11-31T00:00:00Z\"")]
    [InlineData("\"2026-02-29T00:00:00Z\"")]
    [InlineData("\"2100-02-29T00:00:00Z\"")]
    [InlineData("\"2026-11-22T24:00:00Z\"")]
    [InlineData("\"2026-11-22T10:60:00Z\"")]
    [InlineData("\"2026-11-22T10:00:61Z\"")]
    [InlineData("\"2026-11-22T10:00:00+24:00\"")]
    [InlineData("\"2026-11-22T10:00:00+02:60\"")]
    [InlineData("\"0000-01-01T00:00:00Z\"")]
    [InlineData("\"+2026-11-22T10:00:00Z\"")]
    [InlineData("\"1795341600000\"")]                      // epoch ms must be a JSON number
    [InlineData("\"yesterday\"")]
    [InlineData("\"\"")]
    [InlineData("1795341600000.5")]
    [InlineData("1.7953416e12")]
    [InlineData("99999999999999999999")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[1795341600000]")]
    public void Parse_UnparsableTimestamp_ReturnsInvalidTimestamp(string ts) =>
        Assert.Equal(RejectReason.InvalidTimestamp, _kit.Parse(Event($"\"ts\":{ts}")));

    [Fact]
    public void Parse_TimestampBeyondFutureSkew_ReturnsFutureTimestamp()
    {
        long limit = NowMs + (long)TimeSpan.FromMinutes(15).TotalMilliseconds;
        Assert.Equal(RejectReason.None, _kit.Parse(Event($"\"ts\":{limit}")));
        Assert.Equal(RejectReason.FutureTimestamp, _kit.Parse(Event($"\"ts\":{limit + 1}")));
        Assert.Equal(RejectReason.FutureTimestamp, _kit.Parse(Event("\"ts\":\"9999-12-31T23:59:59Z\"")));
        Assert.Equal(RejectReason.FutureTimestamp, _kit.Parse(Event($"\"ts\":{long.MaxValue}")));
    }

    [Fact]
    public void Parse_TimestampOlderThanMaxAge_ReturnsTooOld()
    {
        long limit = NowMs - (long)TimeSpan.FromDays(30).TotalMilliseconds;
        Assert.Equal(RejectReason.None, _kit.Parse(Event($"\"ts\":{limit}")));
        Assert.Equal(RejectReason.TooOld, _kit.Parse(Event($"\"ts\":{limit - 1}")));
        Assert.Equal(RejectReason.TooOld, _kit.Parse(Event("\"ts\":\"0001-01-01T00:00:00Z\"")));
        Assert.Equal(RejectReason.TooOld, _kit.Parse(Event($"\"ts\":{long.MinValue}")));
    }

    [Fact]
    public void SetClock_AgeReferenceInThePast_MeasuresAgeFromIt()
    {
        // Replay: now is today, the input's newest event is a year old.
        long newest = Ms("2025-06-01T00:00:00Z");
        _kit.Parser.SetClock(NowMs, newest);
        Assert.Equal(RejectReason.None, _kit.Parse(Event("\"ts\":\"2025-05-15T00:00:00Z\"")));
        Assert.Equal(RejectReason.TooOld, _kit.Parse(Event("\"ts\":\"2025-04-01T00:00:00Z\"")));
        // Future skew is still measured from now.
        Assert.Equal(RejectReason.None, _kit.Parse(Event("\"ts\":\"2026-12-02T00:00:00Z\"")));
        Assert.Equal(RejectReason.FutureTimestamp, _kit.Parse(Event("\"ts\":\"2026-12-04T00:00:00Z\"")));
    }

    [Fact]
    public void SetClock_ExtremeValues_DoNotOverflow()
    {
        _kit.Parser.SetClock(long.MaxValue, long.MinValue);
        Assert.Equal(RejectReason.None, _kit.Parse(Event($"\"ts\":{long.MaxValue}")));
        Assert.Equal(RejectReason.None, _kit.Parse(Event($"\"ts\":{long.MinValue}")));
    }

    // ---- Dimensions ----

    [Fact]
    public void Parse_DimensionsMissingNullOrEmpty_AreUnknown()
    {
        FunnelEvent missing = _kit.Accept(Click());
        FunnelEvent nulls = _kit.Accept(Click("\"campaign\":null,\"channel\":null"));
        FunnelEvent empty = _kit.Accept(Click("\"campaign\":\"\",\"channel\":\"\""));
        foreach (FunnelEvent e in new[] { missing, nulls, empty })
        {
            Assert.Equal(DimensionInterner.UnknownId, e.Dimensions[0]);
            Assert.Equal(DimensionInterner.UnknownId, e.Dimensions[1]);
        }
    }

    [Theory]
    [InlineData("\"campaign\":1")]
    [InlineData("\"campaign\":true")]
    [InlineData("\"channel\":[\"linkedin\"]")]
    [InlineData("\"channel\":{\"name\":\"linkedin\"}")]
    [InlineData("\"campaign\":\"\\uDE00\"")]
    public void Parse_DimensionNotAString_ReturnsInvalidDimension(string field) =>
        Assert.Equal(RejectReason.InvalidDimension, _kit.Parse(Click(field)));

    [Fact]
    public void Parse_DimensionLongerThan128Characters_ReturnsInvalidDimension()
    {
        Assert.Equal(RejectReason.None, _kit.Parse(Click($"\"campaign\":\"{new string('c', 128)}\"")));
        Assert.Equal(RejectReason.InvalidDimension, _kit.Parse(Click($"\"campaign\":\"{new string('c', 129)}\"")));
        Assert.Equal(RejectReason.None, _kit.Parse(Click($"\"campaign\":\"{new string('ж', 128)}\"")));
        Assert.Equal(RejectReason.InvalidDimension, _kit.Parse(Click($"\"campaign\":\"{new string('ж', 129)}\"")));
    }

    [Fact]
    public void Parse_SameDimensionValue_SameId()
    {
        int first = _kit.Accept(Click("\"campaign\":\"spring\"")).Dimensions[0];
        int again = _kit.Accept(Click("\"campaign\":\"spring\"")).Dimensions[0];
        int other = _kit.Accept(Click("\"campaign\":\"autumn\"")).Dimensions[0];
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal("spring", _kit.Interners[0].NameOf(first));
        Assert.Equal("autumn", _kit.Interners[0].NameOf(other));
    }

    [Fact]
    public void Parse_EscapedDimension_InternsToSameIdAsPlain()
    {
        int plain = _kit.Accept(Click("\"campaign\":\"spring\"")).Dimensions[0];
        int escaped = _kit.Accept(Click("\"campaign\":\"spr\\u0069ng\"")).Dimensions[0];
        int escapedFirst = _kit.Accept(Click("\"channel\":\"linked\\u0069n\"")).Dimensions[1];
        int plainAfter = _kit.Accept(Click("\"channel\":\"linkedin\"")).Dimensions[1];
        Assert.Equal(plain, escaped);
        Assert.Equal(escapedFirst, plainAfter);
        Assert.Equal("linkedin", _kit.Interners[1].NameOf(plainAfter));
    }

    [Fact]
    public void Parse_DimensionValuesPastBudget_FoldIntoOther()
    {
        var kit = new ParserFixture(maxValuesPerDimension: 2);
        int a = kit.Accept(Click("\"campaign\":\"a\"")).Dimensions[0];
        int b = kit.Accept(Click("\"campaign\":\"b\"")).Dimensions[0];
        int c = kit.Accept(Click("\"campaign\":\"c\"")).Dimensions[0];
        int aAgain = kit.Accept(Click("\"campaign\":\"a\"")).Dimensions[0];
        Assert.Equal(new[] { 2, 3, DimensionInterner.OtherId, 2 }, new[] { a, b, c, aAgain });
        Assert.Equal(1, kit.Interners[0].FoldedCount);
    }

    [Fact]
    public void Parse_FieldThatIsNotABreakdownDimension_Ignored()
    {
        // The default funnel breaks down by campaign and channel only.
        FunnelEvent e = _kit.Accept(Click("\"source\":{\"odd\":[1]},\"segment\":42"));
        Assert.Equal(0, e.Dimensions[0]);
    }

    [Fact]
    public void Parse_FunnelWithFourDimensions_FillsEachInOrder()
    {
        var funnel = new FunnelDefinition(["click", "lead"], [], ["segment", "source", "channel", "campaign"]);
        var kit = new ParserFixture(funnel: funnel);
        FunnelEvent e = kit.Accept(Event("\"campaign\":\"spring\"", "\"channel\":\"email\"", "\"source\":\"paid\"", "\"segment\":\"smb\""));
        Assert.Equal(new[] { "smb", "paid", "email", "spring" }, Enumerable.Range(0, 4).Select(i => kit.Interners[i].NameOf(e.Dimensions[i])));
    }

    // ---- Money ----

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("-0.0", 0L)]
    [InlineData("0.012", 12_000L)]
    [InlineData("1.25", 1_250_000L)]
    [InlineData("12000", 12_000_000_000L)]
    [InlineData("0.000001", 1L)]
    [InlineData("0.0000005", 1L)]              // half rounds away from zero
    [InlineData("0.00000049999", 0L)]
    [InlineData("2.0000015", 2_000_002L)]
    [InlineData("2.0000025", 2_000_003L)]      // away from zero, not to even
    [InlineData("1.5e2", 150_000_000L)]
    [InlineData("1E-6", 1L)]
    [InlineData("1e-400", 0L)]
    [InlineData("1e9", 1_000_000_000_000_000L)]
    [InlineData("1000000000", 1_000_000_000_000_000L)]
    [InlineData("999999999.9999995", 1_000_000_000_000_000L)]
    [InlineData("1000000000.000000", 1_000_000_000_000_000L)]
    public void Parse_Money_RoundsToMicroUnits(string number, long micros)
    {
        Assert.Equal(micros, _kit.Accept(Click($"\"cost\":{number}")).CostMicros);
        Assert.Equal(micros, _kit.Accept(Event("\"type\":\"won\"", $"\"amount\":{number}")).AmountMicros);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-0.000001")]
    [InlineData("-1e-400")]
    [InlineData("1000000000.000001")]
    [InlineData("1000000000.0000004")]         // rounds to the cap, but the value is above it
    [InlineData("1e10")]
    [InlineData("1e400")]
    [InlineData("12345678901234567890123456789012345")]
    [InlineData("\"1.25\"")]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("true")]
    [InlineData("[1]")]
    [InlineData("{\"value\":1}")]
    public void Parse_MoneyNotInRange_ReturnsInvalidMoney(string value)
    {
        Assert.Equal(RejectReason.InvalidMoney, _kit.Parse(Click($"\"cost\":{value}")));
        Assert.Equal(RejectReason.InvalidMoney, _kit.Parse(Click($"\"amount\":{value}")));
    }

    [Fact]
    public void Parse_MoneyNegativeZero_IsZero() =>
        Assert.Equal(0, _kit.Accept(Click("\"cost\":-0")).CostMicros);

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("+1")]
    [InlineData(".5")]
    public void Parse_NonJsonNumberLiteral_ReturnsInvalidJson(string literal) =>
        Assert.Equal(RejectReason.InvalidJson, _kit.Parse(Click($"\"cost\":{literal}")));

    [Fact]
    public void Parse_MoneyCap_FollowsOptions()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxMoney = 100.5m });
        Assert.Equal(100_500_000, kit.Accept(Click("\"cost\":100.5")).CostMicros);
        Assert.Equal(RejectReason.InvalidMoney, kit.Parse(Click("\"cost\":100.500001")));
        Assert.Equal(RejectReason.InvalidMoney, kit.Parse(Click("\"cost\":100.5000001")));
    }

    [Fact]
    public void Parse_MoneyNull_IsAbsent() =>
        Assert.Equal(0, _kit.Accept(Click("\"cost\":null,\"amount\":null")).CostMicros);

    // ---- Currency ----

    [Theory]
    [InlineData("\"currency\":\"USD\"", RejectReason.None)]
    [InlineData("\"currency\":null", RejectReason.None)]
    [InlineData("\"currency\":\"\\u0055SD\"", RejectReason.None)]
    [InlineData("\"currency\":\"EUR\"", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":\"usd\"", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":\"US\"", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":\"USDX\"", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":\"\"", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":840", RejectReason.CurrencyMismatch)]
    [InlineData("\"currency\":[\"USD\"]", RejectReason.CurrencyMismatch)]
    public void Parse_Currency_MustMatchConfiguredCode(string field, RejectReason expected) =>
        Assert.Equal(expected, _kit.Parse(Event("\"type\":\"won\"", "\"amount\":10", field)));

    [Fact]
    public void Parse_ConfiguredCurrency_Accepted()
    {
        var kit = new ParserFixture(new EventParserOptions { Currency = "EUR" });
        Assert.Equal(RejectReason.None, kit.Parse(Click("\"cost\":1,\"currency\":\"EUR\"")));
        Assert.Equal(RejectReason.CurrencyMismatch, kit.Parse(Click("\"cost\":1,\"currency\":\"USD\"")));
    }

    [Fact]
    public void Parse_OtherCurrencyWithoutMoney_StillRejected() =>
        Assert.Equal(RejectReason.CurrencyMismatch, _kit.Parse(Event("\"type\":\"lead\"", "\"currency\":\"EUR\"")));

    // ---- Unknown properties, whitespace, order ----

    [Fact]
    public void Parse_UnknownPropertiesOfAnyShape_Skipped()
    {
        FunnelEvent e = _kit.Accept(
            """
            {
              "meta": {"a": [1, 2, {"b": null}], "c": "d"},
              "id": "c-1", "list": [], "obj": {}, "n": -1.5e-3, "t": true, "f": false, "z": null,
              "type": "click", "ts": "2026-11-22T10:00:00Z", "IDX": 1, "Id": "other",
              "cost": 1, "currency ": "EUR", "\u00e9": "x"
            }

            """);
        Assert.Equal(Hash("c-1"), e.IdHash);
        Assert.Equal(1_000_000, e.CostMicros);
    }

    [Fact]
    public void Parse_FieldsInAnyOrder_SameEvent()
    {
        FunnelEvent a = _kit.Accept("""{"id":"c-2","type":"click","ts":"2026-11-22T10:00:03Z","journey":"v-42","campaign":"spring","cost":1.25}""");
        FunnelEvent b = _kit.Accept("""{"cost":1.25,"campaign":"spring","journey":"v-42","ts":"2026-11-22T10:00:03Z","type":"click","id":"c-2"}""");
        AssertSame(a, b);
    }

    /// <summary>Field by field: <see cref="DimensionIds"/> is an inline array, which has no built-in Equals.</summary>
    private static void AssertSame(FunnelEvent expected, FunnelEvent actual)
    {
        Assert.Equal(expected.TimestampMs, actual.TimestampMs);
        Assert.Equal(expected.IdHash, actual.IdHash);
        Assert.Equal(expected.JourneyHash, actual.JourneyHash);
        Assert.Equal(expected.CostMicros, actual.CostMicros);
        Assert.Equal(expected.AmountMicros, actual.AmountMicros);
        Assert.Equal(expected.Stage, actual.Stage);
        for (int i = 0; i < FunnelDefinition.MaxDimensions; i++)
            Assert.Equal(expected.Dimensions[i], actual.Dimensions[i]);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData(" \t ")]
    public void Parse_TrailingWhitespace_Accepted(string trailing) =>
        Assert.Equal(RejectReason.None, _kit.Parse(Click() + trailing));

    // ---- Which reason wins ----

    [Fact]
    public void Parse_FieldErrorThenMalformedJson_ReturnsInvalidJson() =>
        Assert.Equal(RejectReason.InvalidJson, _kit.Parse("""{"id":5,"type":"click","ts":"2026-11-22T10:00:00Z",}"""));

    [Fact]
    public void Parse_FieldErrorAndDuplicate_ReturnsDuplicateField() =>
        Assert.Equal(RejectReason.DuplicateField, _kit.Parse("""{"id":5,"type":"click","ts":"2026-11-22T10:00:00Z","type":"click"}"""));

    [Fact]
    public void Parse_TwoFieldErrors_ReturnsTheFirstInRecordOrder() =>
        Assert.Equal(RejectReason.InvalidMoney, _kit.Parse("""{"cost":-1,"id":5,"type":"click","ts":"2026-11-22T10:00:00Z"}"""));

    [Fact]
    public void Parse_FieldErrorAndMissingField_ReturnsFieldError() =>
        Assert.Equal(RejectReason.UnknownType, _kit.Parse("""{"type":"purchase"}"""));

    [Fact]
    public void Parse_MissingFieldAndFutureTimestamp_ReturnsMissingField() =>
        Assert.Equal(RejectReason.MissingJourney, _kit.Parse("""{"id":"l-1","type":"lead","ts":"2030-01-01T00:00:00Z"}"""));

    [Fact]
    public void Parse_Rejected_LeavesDefaultEvent()
    {
        Assert.Equal(RejectReason.InvalidMoney, _kit.Parse(Click("\"cost\":-1"), out FunnelEvent e));
        AssertSame(default, e);
    }

    [Fact]
    public void Parse_EveryReasonTheParserOwns_HasAnExample()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxRecordBytes = 200 });
        var examples = new Dictionary<RejectReason, byte[]>
        {
            [RejectReason.InvalidJson] = "{\"id\":"u8.ToArray(),
            [RejectReason.InvalidUtf8] = [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
            [RejectReason.TooLarge] = Encoding.UTF8.GetBytes(Click($"\"pad\":\"{new string('x', 200)}\"")),
            [RejectReason.TooDeep] = Encoding.UTF8.GetBytes(Click("\"x\":" + new string('[', 20) + new string(']', 20))),
            [RejectReason.DuplicateField] = Encoding.UTF8.GetBytes(Click("\"id\":\"again\"")),
            [RejectReason.MissingId] = Encoding.UTF8.GetBytes(EventWithout("id")),
            [RejectReason.InvalidId] = Encoding.UTF8.GetBytes(Event("\"id\":7")),
            [RejectReason.MissingType] = Encoding.UTF8.GetBytes(EventWithout("type")),
            [RejectReason.UnknownType] = Encoding.UTF8.GetBytes(Event("\"type\":\"visit\"")),
            [RejectReason.MissingTimestamp] = Encoding.UTF8.GetBytes(EventWithout("ts")),
            [RejectReason.InvalidTimestamp] = Encoding.UTF8.GetBytes(Event("\"ts\":\"now\"")),
            [RejectReason.FutureTimestamp] = Encoding.UTF8.GetBytes(Event("\"ts\":\"2027-01-01T00:00:00Z\"")),
            [RejectReason.TooOld] = Encoding.UTF8.GetBytes(Event("\"ts\":\"2025-01-01T00:00:00Z\"")),
            [RejectReason.MissingJourney] = Encoding.UTF8.GetBytes(Event("\"type\":\"won\"", "\"journey\":null")),
            [RejectReason.InvalidJourney] = Encoding.UTF8.GetBytes(Event("\"journey\":[]")),
            [RejectReason.InvalidDimension] = Encoding.UTF8.GetBytes(Event("\"channel\":7")),
            [RejectReason.InvalidMoney] = Encoding.UTF8.GetBytes(Event("\"cost\":-7")),
            [RejectReason.CurrencyMismatch] = Encoding.UTF8.GetBytes(Event("\"currency\":\"GBP\"")),
        };
        // Late is the engine's decision (watermark), not the parser's.
        Assert.Equal(RejectReasons.All.Where(r => r != RejectReason.Late).Order(), examples.Keys.Order());
        foreach ((RejectReason reason, byte[] record) in examples)
            Assert.Equal(reason, kit.Parser.Parse(record, out _));
    }

    // ---- Options and construction ----

    [Fact]
    public void Parse_RenamedProperties_ReadFromNewNames()
    {
        var kit = new ParserFixture(new EventParserOptions { TimestampProperty = "occurred_at", TypeProperty = "event", CampaignProperty = "utm_campaign" });
        FunnelEvent e = kit.Accept("""{"id":"c-1","event":"click","occurred_at":"2026-11-22T10:00:00Z","ts":"garbage","type":7,"utm_campaign":"spring"}""");
        Assert.Equal(kit.Stage("click"), e.Stage);
        Assert.Equal(Ms("2026-11-22T10:00:00Z"), e.TimestampMs);
        Assert.Equal("spring", kit.Interners[0].NameOf(e.Dimensions[0]));
    }

    public static TheoryData<EventParserOptions, string> InvalidOptions => new()
    {
        { new EventParserOptions { MaxRecordBytes = 0 }, nameof(EventParserOptions.MaxRecordBytes) },
        { new EventParserOptions { MaxFutureSkew = TimeSpan.FromSeconds(-1) }, nameof(EventParserOptions.MaxFutureSkew) },
        { new EventParserOptions { MaxAge = TimeSpan.Zero }, nameof(EventParserOptions.MaxAge) },
        { new EventParserOptions { MaxMoney = 0 }, nameof(EventParserOptions.MaxMoney) },
        { new EventParserOptions { MaxMoney = 10_000_000_000_000m }, nameof(EventParserOptions.MaxMoney) },
        { new EventParserOptions { Currency = "usd" }, nameof(EventParserOptions.Currency) },
        { new EventParserOptions { Currency = "EURO" }, nameof(EventParserOptions.Currency) },
        { new EventParserOptions { MaxDepth = 0 }, nameof(EventParserOptions.MaxDepth) },
        { new EventParserOptions { MaxDepth = 65 }, nameof(EventParserOptions.MaxDepth) },
        { new EventParserOptions { IdProperty = "" }, nameof(EventParserOptions.IdProperty) },
        { new EventParserOptions { TimestampProperty = new string('t', 257) }, nameof(EventParserOptions.TimestampProperty) },
        { new EventParserOptions { CampaignProperty = "channel" }, nameof(EventParserOptions.ChannelProperty) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_InvalidOption_ThrowsNamingIt(EventParserOptions options, string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new ParserFixture(options));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Constructor_InternersNotMatchingDimensions_Throws()
    {
        FunnelDefinition funnel = FunnelDefinition.Default;
        Assert.Throws<ArgumentException>(() => new EventParser(funnel, new(), [new DimensionInterner("campaign", 10)]));
        Assert.Throws<ArgumentException>(() => new EventParser(funnel, new(), [new DimensionInterner("channel", 10), new DimensionInterner("campaign", 10)]));
    }

    [Fact]
    public void Options_Defaults_AreTheDocumentedOnes()
    {
        var o = new EventParserOptions();
        Assert.Equal(65536, o.MaxRecordBytes);
        Assert.Equal(TimeSpan.FromMinutes(15), o.MaxFutureSkew);
        Assert.Equal(TimeSpan.FromDays(30), o.MaxAge);
        Assert.Equal(1_000_000_000m, o.MaxMoney);
        Assert.Equal("USD", o.Currency);
        Assert.Equal(16, o.MaxDepth);
        Assert.Equal(
            new[] { "id", "type", "ts", "journey", "campaign", "channel", "source", "segment", "cost", "amount", "currency" },
            new[] { o.IdProperty, o.TypeProperty, o.TimestampProperty, o.JourneyProperty, o.CampaignProperty, o.ChannelProperty,
             o.SourceProperty, o.SegmentProperty, o.CostProperty, o.AmountProperty, o.CurrencyProperty });
    }

    // ---- Allocation ----

    [Fact]
    public void Parse_ValuesAlreadyInterned_DoesNotAllocate()
    {
        byte[][] records =
        [
            Encoding.UTF8.GetBytes("""{"id":"c-2","type":"click","ts":"2026-11-22T10:00:03.250+01:00","journey":"v-42","campaign":"spring","channel":"linkedin","cost":1.25}"""),
            Encoding.UTF8.GetBytes("""{"id":"d-7","type":"won","ts":1795341600000,"journey":"v-42","amount":12000.1234567,"currency":"USD","campaign":"spr\u0069ng","x":{"y":[1]}}"""),
            Encoding.UTF8.GetBytes("""{"id":"d-8","type":"won","ts":"2026-11-22T10:00:00Z","journey":"v-42","amount":-1}"""),
        ];
        for (int i = 0; i < 100; i++)
        {
            foreach (byte[] r in records)
                _kit.Parser.Parse(r, out _);
        }
        GC.GetAllocatedBytesForCurrentThread();

        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            foreach (byte[] r in records)
                sum += (long)_kit.Parser.Parse(r, out FunnelEvent e) + e.TimestampMs;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotEqual(0, sum);
        Assert.Equal(0, allocated);
    }
}
