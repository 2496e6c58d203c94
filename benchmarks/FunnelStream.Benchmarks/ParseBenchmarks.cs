using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FunnelStream.Events;

namespace FunnelStream.Benchmarks;

/// <summary>
/// <see cref="EventParser.Parse"/> against the floor it cannot beat: a bare <see cref="Utf8JsonReader"/>
/// loop over every token of the same payloads (B2). Results are per event (<c>OperationsPerInvoke</c>).
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const int PayloadCount = 1000;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _payloads = [];
    private EventParser _parser = null!;

    [GlobalSetup]
    public void Setup()
    {
        _payloads = MixedPayloads(PayloadCount, new Random(42));
        FunnelDefinition funnel = FunnelDefinition.Default;
        _parser = new EventParser(funnel, new EventParserOptions(), funnel.Dimensions.Select(d => new DimensionInterner(d, 1000)).ToArray());
        long now = Now.ToUnixTimeMilliseconds();
        _parser.SetClock(now, now);
        // Steady state: every dimension value is interned before measuring, and every payload is accepted.
        foreach (byte[] p in _payloads)
        {
            RejectReason reason = _parser.Parse(p, out _);
            if (reason != RejectReason.None)
                throw new InvalidOperationException($"benchmark payload rejected ({reason}): {Encoding.UTF8.GetString(p)}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PayloadCount)]
    public long BareReaderAllTokens()
    {
        long sum = 0;
        foreach (byte[] payload in _payloads)
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
                sum += (int)reader.TokenType;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public long ParseEvents()
    {
        long sum = 0;
        EventParser parser = _parser;
        foreach (byte[] payload in _payloads)
        {
            if (parser.Parse(payload, out FunnelEvent e) == RejectReason.None)
                sum += e.TimestampMs ^ (long)e.IdHash;
        }
        return sum;
    }

    /// <summary>About 65% clicks with a cost, 25% leads, 10% won deals with an amount; 120-200 bytes each.</summary>
    internal static byte[][] MixedPayloads(int count, Random random)
    {
        string[] campaigns = Enumerable.Range(0, 24).Select(i => $"{(i % 3 == 0 ? "spring" : i % 3 == 1 ? "brand" : "retarget")}-2026-{i:D2}").ToArray();
        string[] channels = ["linkedin", "google_ads", "email", "organic", "meta_ads"];
        string[] sources = ["paid", "organic", "referral"];
        long start = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var payloads = new byte[count][];
        var json = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            int roll = random.Next(100);
            string type = roll < 65 ? "click" : roll < 90 ? "lead" : "won";
            var ts = DateTimeOffset.FromUnixTimeMilliseconds(start + random.NextInt64(86_400_000));
            json.Clear()
                .Append("{\"id\":\"").Append(type[0]).Append('-').Append(Guid.NewGuid().ToString("N")[..16])
                .Append("\",\"type\":\"").Append(type)
                .Append("\",\"ts\":\"").Append(ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append("\",\"journey\":\"v-").Append(random.Next(1_000_000))
                .Append("\",\"campaign\":\"").Append(campaigns[random.Next(campaigns.Length)])
                .Append("\",\"channel\":\"").Append(channels[random.Next(channels.Length)])
                .Append("\",\"source\":\"").Append(sources[random.Next(sources.Length)]).Append('"');
            if (type == "click")
                json.Append(",\"cost\":").Append((random.Next(5, 500) / 100m).ToString(CultureInfo.InvariantCulture));
            else if (type == "won")
                json.Append(",\"amount\":").Append(random.Next(1000, 50_000)).Append(",\"currency\":\"USD\"");
            payloads[i] = Encoding.UTF8.GetBytes(json.Append('}').ToString());
        }
        return payloads;
    }
}
