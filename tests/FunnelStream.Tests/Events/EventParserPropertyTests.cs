using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FunnelStream.Events;
using FunnelStream.Events.Internal;

namespace FunnelStream.Tests.Events;

/// <summary>Properties of <see cref="EventParser"/> over generated input (FsCheck, run by hand: no FsCheck.Xunit).</summary>
public class EventParserPropertyTests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(2000);

    private static readonly string[] ValidEvents =
    [
        """{"id":"c-1","type":"impression","ts":"2026-11-22T10:00:00Z","campaign":"spring","channel":"linkedin","cost":0.012}""",
        """{"id":"c-2","type":"click","ts":"2026-11-22T10:00:03.125+01:00","journey":"v-42","campaign":"spr\u0069ng","channel":"linkedin","cost":1.25}""",
        """{"id":"l-9","type":"lead","ts":1795341720000,"journey":"v-42","meta":{"a":[1,{"b":null}],"c":true},"campaign":"spring"}""",
        """{"id":"d-7","type":"won","ts":"2026-12-02T15:00:00Z","journey":"v-42","amount":12000,"currency":"USD"}""",
        """{"id":"s-1","type":"spend","ts":"2026-11-22T23:59:59Z","campaign":"spring","channel":"linkedin","cost":2e3}""",
    ];

    [Fact]
    public void Parse_RandomBytes_NeverThrows()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxDepth = 4, MaxRecordBytes = 512 });
        Gen<byte[]> bytes = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            // Bytes drawn from JSON's alphabet reach further into the reader than uniform noise does.
            Gen.Elements("{}[]\":,\\u0123456789.-eE tnrufalsidypjcm\u00e9\uD83D\uDE00"u8.ToArray().Concat("{\"id\":\"ts\"}"u8.ToArray()).ToArray())
                .ArrayOf());
        Check.One(Many, Prop.ForAll(bytes.ToArbitrary(), b => ParsesWithoutThrowing(kit, b)));
    }

    [Fact]
    public void Parse_MutatedValidEvents_NeverThrows()
    {
        var kit = new ParserFixture(new EventParserOptions { MaxDepth = 3 });
        Gen<byte[]> mutated =
            from source in Gen.Elements(ValidEvents)
            from steps in Gen.Choose(1, 4)
            from seed in Gen.Choose(0, int.MaxValue)
            select Mutate(Encoding.UTF8.GetBytes(source), steps, new Random(seed));
        Check.One(Many, Prop.ForAll(mutated.ToArbitrary(), b => ParsesWithoutThrowing(kit, b)));
    }

    [Fact]
    public void Parse_ValidEventsUnmutated_Accepted()
    {
        var kit = new ParserFixture();
        foreach (string e in ValidEvents)
            Assert.Equal(RejectReason.None, kit.Parse(e));
    }

    private static bool ParsesWithoutThrowing(ParserFixture kit, byte[] record)
    {
        RejectReason reason = kit.Parser.Parse(record, out FunnelEvent evt);
        return Enum.IsDefined(reason) && reason != RejectReason.Late
            && (reason != RejectReason.None || evt.IdHash != 0);
    }

    /// <summary>Truncations, byte flips, insertions and deletions.</summary>
    private static byte[] Mutate(byte[] record, int steps, Random random)
    {
        var bytes = new List<byte>(record);
        for (int i = 0; i < steps && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes.RemoveRange(at, bytes.Count - at); break;
                case 1: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: bytes[at] = (byte)random.Next(256); break;
                case 3: bytes.Insert(at, "{}[]\",:\\0-eE"u8[random.Next(12)]); break;
                default: bytes.RemoveAt(at); break;
            }
        }
        return bytes.ToArray();
    }

    [Fact]
    public void TryParseUnixMs_RandomValidTimestamps_AgreesWithDateTimeOffset()
    {
        Gen<string> timestamps =
            from ticks in Gen.Choose(0, int.MaxValue).Two()
            from fractionDigits in Gen.Choose(0, 7)
            // RFC 3339 allows offsets up to 23:59; DateTimeOffset only up to 14:00 (larger ones are unit-tested).
            from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
            from zulu in Gen.Elements("Z", "z", "offset")
            from separator in Gen.Elements('T', 't', ' ')
            select Format(ticks, fractionDigits, zulu == "offset" ? offsetMinutes : null, zulu, separator);
        Check.One(Many, Prop.ForAll(timestamps.ToArbitrary(), ts =>
        {
            long expected = DateTimeOffset.Parse(ts, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            return Rfc3339.TryParseUnixMs(Encoding.UTF8.GetBytes(ts), out long actual) && actual == expected;
        }));
    }

    /// <summary>A timestamp between years 1 and 9998 (two random ints make a tick count), in RFC 3339 form.</summary>
    private static string Format((int High, int Low) ticks, int fractionDigits, int? offsetMinutes, string zulu, char separator)
    {
        long t = (long)(((ulong)(uint)ticks.High << 31 | (uint)ticks.Low) % (ulong)DateTime.MaxValue.AddYears(-1).Ticks);
        var offset = TimeSpan.FromMinutes(offsetMinutes ?? 0);
        var local = new DateTime(t, DateTimeKind.Unspecified);
        if (local.Add(-offset) < DateTime.MinValue.AddDays(1) || local.Add(-offset) > DateTime.MaxValue.AddDays(-1))
            local = new DateTime(2026, 11, 22);
        string fraction = fractionDigits == 0 ? "" : "." + local.ToString("fffffff", CultureInfo.InvariantCulture)[..fractionDigits];
        string zone = offsetMinutes is null ? zulu : offset.ToString((offset < TimeSpan.Zero ? "\\-" : "\\+") + "hh\\:mm", CultureInfo.InvariantCulture);
        return local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + separator + local.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + fraction + zone;
    }

    [Fact]
    public void TryParseUnixMs_EveryDayOf400Years_AgreesWithDateTimeOffset()
    {
        // One full Gregorian cycle, including century years that are (2000) and are not (1900, 2100) leap years.
        for (var day = new DateTime(1900, 1, 1); day < new DateTime(2300, 1, 1); day = day.AddDays(1))
        {
            string ts = day.ToString("yyyy-MM-dd'T'23:59:59.999'Z'", CultureInfo.InvariantCulture);
            Assert.True(Rfc3339.TryParseUnixMs(Encoding.UTF8.GetBytes(ts), out long ms), ts);
            Assert.Equal(new DateTimeOffset(day.AddMilliseconds(86_399_999), TimeSpan.Zero).ToUnixTimeMilliseconds(), ms);
        }
    }

    [Fact]
    public void Parse_RandomMoney_MatchesDecimalRounding()
    {
        var kit = new ParserFixture();
        Gen<string> numbers =
            from whole in Gen.Choose(0, 999_999_999)
            from fraction in Gen.Choose(0, int.MaxValue)
            from digits in Gen.Choose(0, 10)
            select digits == 0 ? whole.ToString(CultureInfo.InvariantCulture)
                : whole.ToString(CultureInfo.InvariantCulture) + "." + fraction.ToString("D10", CultureInfo.InvariantCulture)[..digits];
        Check.One(Many, Prop.ForAll(numbers.ToArbitrary(), n =>
        {
            long expected = (long)(Math.Round(decimal.Parse(n, CultureInfo.InvariantCulture), 6, MidpointRounding.AwayFromZero) * 1_000_000m);
            return kit.Parse(ParserFixture.Click($"\"cost\":{n}"), out FunnelEvent e) == RejectReason.None && e.CostMicros == expected;
        }));
    }
}
