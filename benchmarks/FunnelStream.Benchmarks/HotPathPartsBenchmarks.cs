using System.Text.Json;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using FunnelStream.Engine.State;
using FunnelStream.Engine.Windows;
using FunnelStream.Events;
using FunnelStream.Events.Internal;

namespace FunnelStream.Benchmarks;

/// <summary>
/// The pieces of the hot path measured alone over the payloads of <see cref="ParseBenchmarks"/>, to
/// see where parse + engine time goes without a sampling profiler (none is installed here). Every
/// figure is per event; the parts are not additive with each other exactly (cache effects), only
/// indicative. B2 is the same bare <see cref="Utf8JsonReader"/> loop as in the other classes.
/// </summary>
[MemoryDiagnoser]
public class HotPathPartsBenchmarks
{
    private const int PayloadCount = 1000;

    private byte[][] _payloads = [];
    private byte[][] _ids = [];
    private byte[][] _timestamps = [];
    private byte[][] _campaigns = [];
    private byte[][] _channels = [];
    private byte[][] _names = [];
    private DimensionInterner _campaignInterner = null!;
    private DimensionInterner _channelInterner = null!;
    private Utf8NameTable _fields = null!;
    private DedupSet _dedup = null!;
    private TumblingWindows _minute = null!;
    private TumblingWindows _hour = null!;
    private RollingStageCounts _rolling = null!;
    private long _round;
    private long _baseTs;

    [GlobalSetup]
    public void Setup()
    {
        _payloads = ParseBenchmarks.MixedPayloads(PayloadCount, new Random(42));
        _ids = _payloads.Select(p => StringValue(p, "id")).ToArray();
        _timestamps = _payloads.Select(p => StringValue(p, "ts")).ToArray();
        _campaigns = _payloads.Select(p => StringValue(p, "campaign")).ToArray();
        _channels = _payloads.Select(p => StringValue(p, "channel")).ToArray();
        _names = _payloads.SelectMany(PropertyNames).ToArray();
        _campaignInterner = new DimensionInterner("campaign", 1000);
        _channelInterner = new DimensionInterner("channel", 1000);
        foreach (byte[] c in _campaigns)
            _campaignInterner.Intern(c);
        foreach (byte[] c in _channels)
            _channelInterner.Intern(c);
        _fields = new Utf8NameTable(new EventParserOptions().Paths().Select((p, i) => new KeyValuePair<string, int>(p, i)));
        _dedup = new DedupSet(TimeSpan.FromHours(24), 4_000_000);
        var layout = new SlotLayout(FunnelDefinition.Default.Stages.Count);
        _minute = new TumblingWindows(60_000, layout);
        _hour = new TumblingWindows(3_600_000, layout);
        _rolling = new RollingStageCounts(FunnelDefinition.Default.Stages.Count);
        _baseTs = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
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
    public int Utf8Validate()
    {
        int valid = 0;
        foreach (byte[] payload in _payloads)
            valid += Utf8.IsValid(payload) ? 1 : 0;
        return valid;
    }

    /// <summary>Per event: the 9-11 property names looked up.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int FindPropertyNames()
    {
        int sum = 0;
        foreach (byte[] name in _names)
            sum += _fields.Find(name);
        return sum;
    }

    /// <summary>Per event: the id and (about as long) journey hashes, here the id twice.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public ulong HashIdTwice()
    {
        ulong sum = 0;
        foreach (byte[] id in _ids)
            sum += StableHash.Hash(id) + StableHash.Hash(id.AsSpan(1));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public long ParseTimestamp()
    {
        long sum = 0;
        foreach (byte[] ts in _timestamps)
        {
            Rfc3339.TryParseUnixMs(ts, out long ms);
            sum += ms;
        }
        return sum;
    }

    /// <summary>Per event: three dimension lookups (campaign, channel, channel again for source).</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int InternThree()
    {
        int sum = 0;
        for (int i = 0; i < _campaigns.Length; i++)
            sum += _campaignInterner.Intern(_campaigns[i]) + _channelInterner.Intern(_channels[i]) + _channelInterner.Intern(_channels[(i + 1) % _channels.Length]);
        return sum;
    }

    /// <summary>Fresh ids into the dedup set at its steady (large) size.</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int DedupTryAdd()
    {
        ulong salt = (ulong)(++_round) * 0x9E3779B97F4A7C15UL;
        long ts = _baseTs + _round * PayloadCount;
        int added = 0;
        for (int i = 0; i < PayloadCount; i++)
        {
            ulong h = StableHash.Hash(_ids[i]);
            added += _dedup.TryAdd((h ^ salt) | 1, ts + i) ? 1 : 0;
        }
        return added;
    }

    /// <summary>The window lookups, window adds, rolling count of one event (engine minus dedup and slots).</summary>
    [Benchmark(OperationsPerInvoke = PayloadCount)]
    public int WindowsAndRolling()
    {
        long ts = _baseTs + (++_round) * PayloadCount;
        for (int i = 0; i < PayloadCount; i++)
        {
            long t = ts + i;
            _minute.For(t).Add(i & 63, i % 3, 0, 5);
            _hour.For(t).Add(i & 63, i % 3, 0, 5);
            _rolling.Add(t, i % 3);
        }
        _minute.CloseUpTo(ts - 120_000, static _ => { });
        _hour.CloseUpTo(ts - 7_200_000, static _ => { });
        return _minute.OpenCount;
    }

    private static byte[] StringValue(byte[] payload, string name)
    {
        var reader = new Utf8JsonReader(payload);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(name))
            {
                reader.Read();
                return reader.ValueSpan.ToArray();
            }
        }
        throw new InvalidOperationException($"no {name}");
    }

    private static IEnumerable<byte[]> PropertyNames(byte[] payload)
    {
        var names = new List<byte[]>();
        var reader = new Utf8JsonReader(payload);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
                names.Add(reader.ValueSpan.ToArray());
        }
        return names;
    }
}
