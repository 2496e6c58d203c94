using System.Text;
using FunnelStream.Configuration;
using FunnelStream.Events;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// <c>FunnelStream:Events:Fields</c> and <c>FunnelStream:Events:TypeValues</c> (docs/configuration.md,
/// "Field mapping") reach the parser from appsettings and environment, and a bad mapping stops start-up
/// with a message naming the key.
/// </summary>
public sealed class Configuration_FieldMapping
{
    private static ResolvedSettings FromMemory(params (string Key, string Value)[] settings) =>
        ResolvedSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    private static IReadOnlyList<string> Errors(params (string Key, string Value)[] settings) =>
        Assert.Throws<ConfigurationException>(() => FromMemory(settings)).Errors;

    [Fact]
    public void Appsettings_FieldsAndTypeValues_ReachParserOptions()
    {
        const string Json = """
            {"FunnelStream":{"Events":{
              "Fields":{"type":"event.name","ts":"occurred_at","journey":"user.id","campaign":"properties.utm.campaign"},
              "TypeValues":{"Closed Won":"won","Page View":"click","form.submitted":"lead"}}}}
            """;
        ResolvedSettings settings = ResolvedSettings.From(new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(Json)))
            .Build());

        EventParserOptions parser = settings.Parser;
        Assert.Equal("event.name", parser.TypeProperty);
        Assert.Equal("occurred_at", parser.TimestampProperty);
        Assert.Equal("user.id", parser.JourneyProperty);
        Assert.Equal("properties.utm.campaign", parser.CampaignProperty);
        Assert.Equal("id", parser.IdProperty);
        Assert.Equal("won", parser.TypeValues["Closed Won"]);
        Assert.Equal("click", parser.TypeValues["Page View"]);
        Assert.Equal("lead", parser.TypeValues["form.submitted"]);   // a dot in a key is fine; a colon is a section separator
    }

    [Fact]
    public void Appsettings_MappedEvent_ParsesWithResolvedOptions()
    {
        ResolvedSettings settings = FromMemory(
            ("FunnelStream:Events:Fields:type", "event.name"),
            ("FunnelStream:Events:Fields:journey", "user.id"),
            ("FunnelStream:Events:TypeValues:Closed Won", "won"));
        var parser = new EventParser(settings.Funnel, settings.Parser, settings.Funnel.Dimensions.Select(d => new DimensionInterner(d, 10)).ToArray());
        long now = DateTimeOffset.Parse("2026-12-03T00:00:00Z").ToUnixTimeMilliseconds();
        parser.SetClock(now, now);

        RejectReason reason = parser.Parse("""{"id":"d-7","event":{"name":"Closed Won"},"ts":"2026-12-02T15:00:00Z","user":{"id":"v-42"},"amount":12000}"""u8, out FunnelEvent e);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(settings.Funnel.IndexOf("won"), e.Stage);
    }

    [Fact]
    public void EnvironmentVariables_DoubleUnderscore_BindFieldsAndTypeValues()
    {
        // A prefix of this test's own keeps the process environment of other tests untouched.
        const string Prefix = "FSTEST_FIELDMAPPING_";
        (string Name, string Value)[] variables =
        [
            (Prefix + "FunnelStream__Events__Fields__type", "event.name"),
            (Prefix + "FunnelStream__Events__Fields__Journey", "user.id"),
            (Prefix + "FunnelStream__Events__TypeValues__Closed Won", "won"),
        ];
        try
        {
            foreach ((string name, string value) in variables)
                Environment.SetEnvironmentVariable(name, value);
            ResolvedSettings settings = ResolvedSettings.From(new ConfigurationBuilder().AddEnvironmentVariables(Prefix).Build());

            Assert.Equal("event.name", settings.Parser.TypeProperty);
            Assert.Equal("user.id", settings.Parser.JourneyProperty);   // configuration keys are case-insensitive
            Assert.Equal("won", settings.Parser.TypeValues["Closed Won"]);
        }
        finally
        {
            foreach ((string name, _) in variables)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Defaults_NoMapping_ContractNames()
    {
        EventParserOptions parser = FromMemory().Parser;
        Assert.All(EventParserOptions.FieldNames, f => Assert.Equal(f, parser.GetFieldPath(f)));
        Assert.Empty(parser.TypeValues);
    }

    [Fact]
    public void UnknownContractField_ErrorNamesKeyAndAllowedNames()
    {
        string error = Assert.Single(Errors(("FunnelStream:Events:Fields:timestamp", "occurred_at")));
        Assert.StartsWith("FunnelStream:Events:Fields:timestamp: ", error);
        Assert.Contains("allowed: id, type, ts, journey, campaign, channel, source, segment, cost, amount, currency", error);
    }

    [Theory]
    [InlineData("event..name")]
    [InlineData(".name")]
    [InlineData("event.")]
    [InlineData("")]
    public void EmptyPathSegment_ErrorNamesKey(string path)
    {
        string error = Assert.Single(Errors(("FunnelStream:Events:Fields:type", path)));
        Assert.StartsWith("FunnelStream:Events:Fields:type: ", error);
    }

    [Fact]
    public void PathDeeperThanRecordsMayBe_ErrorNamesKey()
    {
        string error = Assert.Single(Errors(("FunnelStream:Events:Fields:type", string.Join('.', Enumerable.Repeat("a", 17)))));
        Assert.StartsWith("FunnelStream:Events:Fields:type: ", error);
    }

    [Theory]
    [InlineData("FunnelStream:Events:Fields:journey", "id", "FunnelStream:Events:Fields:journey")]           // the default path of id
    [InlineData("FunnelStream:Events:Fields:type", "campaign.name", "FunnelStream:Events:Fields:type")]       // inside campaign's value
    public void OverlappingPaths_ErrorNamesMappedKey(string key, string path, string expectedKey)
    {
        string error = Assert.Single(Errors((key, path)));
        Assert.StartsWith(expectedKey + ": ", error);
    }

    [Fact]
    public void TwoFieldsMappedToOneProperty_Error()
    {
        IReadOnlyList<string> errors = Errors(("FunnelStream:Events:Fields:type", "user.id"), ("FunnelStream:Events:Fields:journey", "user.id"));
        Assert.Contains(errors, e => e.StartsWith("FunnelStream:Events:Fields:journey: ", StringComparison.Ordinal));
    }

    [Fact]
    public void TooManyParentObjects_ErrorNamesKey()
    {
        (string, string)[] settings = EventParserOptions.FieldNames
            .Select((f, i) => ($"FunnelStream:Events:Fields:{f}", $"a{i}.b{i}.c{i}")).ToArray();
        string error = Assert.Single(Errors(settings));
        Assert.StartsWith("FunnelStream:Events:Fields: ", error);
    }

    [Fact]
    public void TypeValueTargetNotAStage_ErrorNamesKeyAndStages()
    {
        string error = Assert.Single(Errors(("FunnelStream:Events:TypeValues:Closed Won", "closed_won")));
        Assert.StartsWith("FunnelStream:Events:TypeValues:Closed Won: 'closed_won' is not a configured stage", error);
        Assert.Contains("impression, click, lead", error);
    }

    [Fact]
    public void TypeValueTarget_CheckedAgainstConfiguredStages()
    {
        ResolvedSettings settings = FromMemory(
            ("FunnelStream:Funnel:Stages:0", "visit"), ("FunnelStream:Funnel:Stages:1", "signup"),
            ("FunnelStream:Events:TypeValues:Page View", "visit"), ("FunnelStream:Events:TypeValues:Spend Report", "spend"));
        Assert.Equal("visit", settings.Parser.TypeValues["Page View"]);

        string error = Assert.Single(Errors(
            ("FunnelStream:Funnel:Stages:0", "visit"), ("FunnelStream:Funnel:Stages:1", "signup"),
            ("FunnelStream:Events:TypeValues:Closed Won", "won")));
        Assert.StartsWith("FunnelStream:Events:TypeValues:Closed Won: ", error);
    }
}
