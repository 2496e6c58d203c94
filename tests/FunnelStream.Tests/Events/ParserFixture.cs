using System.Text;
using FunnelStream.Events;

namespace FunnelStream.Tests.Events;

/// <summary>A parser over the default funnel with a fixed clock, plus helpers to build records.</summary>
internal sealed class ParserFixture
{
    /// <summary>"Now" for every test: 2026-12-03T00:00:00Z, a day after the spec's last example.</summary>
    public static readonly long NowMs = Ms("2026-12-03T00:00:00Z");

    public ParserFixture(EventParserOptions? options = null, FunnelDefinition? funnel = null, int maxValuesPerDimension = 100)
    {
        Funnel = funnel ?? FunnelDefinition.Default;
        Options = options ?? new EventParserOptions();
        Interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, maxValuesPerDimension)).ToArray();
        Parser = new EventParser(Funnel, Options, Interners);
        Parser.SetClock(NowMs, NowMs);
    }

    public FunnelDefinition Funnel { get; }
    public EventParserOptions Options { get; }
    public DimensionInterner[] Interners { get; }
    public EventParser Parser { get; }

    public RejectReason Parse(string json) => Parser.Parse(Encoding.UTF8.GetBytes(json), out _);

    public RejectReason Parse(string json, out FunnelEvent evt) => Parser.Parse(Encoding.UTF8.GetBytes(json), out evt);

    public RejectReason Parse(byte[] utf8) => Parser.Parse(utf8, out _);

    /// <summary>Parses a record that must be accepted, and returns its event.</summary>
    public FunnelEvent Accept(string json)
    {
        RejectReason reason = Parse(json, out FunnelEvent evt);
        Assert.True(reason == RejectReason.None, $"expected the record to be accepted, got {reason}: {json}");
        return evt;
    }

    public int Stage(string name) => Funnel.IndexOf(name);

    public static long Ms(string rfc3339) => DateTimeOffset.Parse(rfc3339, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    public static ulong Hash(string text) => StableHash.Hash(Encoding.UTF8.GetBytes(text));

    /// <summary>A valid click with the given extra properties appended (each a <c>"name":value</c> fragment).</summary>
    public static string Click(string extra = "") =>
        "{\"id\":\"c-1\",\"type\":\"click\",\"ts\":\"2026-11-22T10:00:00Z\",\"journey\":\"v-42\"" + (extra.Length == 0 ? "" : "," + extra) + "}";

    /// <summary>A valid event built from <c>"name":value</c> fragments, which replace the defaults of the same name.</summary>
    public static string Event(params string[] fields)
    {
        var all = new List<string> { "\"id\":\"e-1\"", "\"type\":\"click\"", "\"ts\":\"2026-11-22T10:00:00Z\"", "\"journey\":\"v-42\"" };
        foreach (string f in fields)
        {
            string name = f[..(f.IndexOf("\":", StringComparison.Ordinal) + 1)];
            all.RemoveAll(a => a.StartsWith(name + ":", StringComparison.Ordinal));
            all.Add(f);
        }
        return "{" + string.Join(",", all) + "}";
    }

    /// <summary>A valid event without the named default field.</summary>
    public static string EventWithout(string name)
    {
        var all = new List<string> { "\"id\":\"e-1\"", "\"type\":\"click\"", "\"ts\":\"2026-11-22T10:00:00Z\"", "\"journey\":\"v-42\"" };
        all.RemoveAll(a => a.StartsWith($"\"{name}\":", StringComparison.Ordinal));
        return "{" + string.Join(",", all) + "}";
    }
}
