using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;

namespace FunnelStream.Generator.Internal;

/// <summary>
/// Formats events as UTF-8 JSON straight into one reused buffer (dimension fields are pre-encoded
/// by <see cref="TrafficPlan"/>), then copies each into its own exact-size array. Also writes the
/// malformed variants of <see cref="BadKind"/>. Not thread-safe.
/// </summary>
internal sealed class EventWriter
{
    private const long MsPerDay = 86_400_000;

    private static ReadOnlySpan<byte> IdOpen => "{\"id\":\""u8;
    private static ReadOnlySpan<byte> TypeOpen => "\",\"type\":\""u8;
    private static ReadOnlySpan<byte> TsOpen => "\",\"ts\":"u8;
    private static ReadOnlySpan<byte> JourneyOpen => ",\"journey\":\""u8;
    private static ReadOnlySpan<byte> CostOpen => ",\"cost\":"u8;
    private static ReadOnlySpan<byte> AmountOpen => ",\"amount\":"u8;
    private static ReadOnlySpan<byte> UsdField => ",\"currency\":\"USD\""u8;

    private readonly TrafficPlan _plan;
    private readonly byte[] _prefix;
    private readonly byte[] _buffer;
    private int _pos;

    public EventWriter(TrafficPlan plan)
    {
        _plan = plan;
        _prefix = Encoding.ASCII.GetBytes(plan.IdPrefix);
        // Fixed parts and numbers need well under 512 bytes; the dimension fields are pre-encoded.
        _buffer = new byte[512 + 2 * _prefix.Length + plan.MaxDimensionBytes];
    }

    /// <summary>The record key of a journey: its id as written in <c>journey</c>.</summary>
    public string JourneyKey(long journey) => string.Concat(_plan.IdPrefix, "j-", journey.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Writes a valid event with id <c>e-&lt;number&gt;</c>.</summary>
    public byte[] Write(in SimEvent e, long number, bool numericTs)
    {
        _pos = 0;
        Put(IdOpen);
        PutId("e-"u8, number);
        Put(TypeOpen);
        Put(Stages.NamesUtf8[(int)e.Stage]);
        Put(TsOpen);
        PutTimestamp(e.TimestampMs, numericTs);
        PutRest(e, writeJourney: true, e.CostMicros, e.AmountMicros, UsdField);
        return _buffer.AsSpan(0, _pos).ToArray();
    }

    /// <summary>Writes a malformed record derived from <paramref name="e"/>, with id <c>x-&lt;number&gt;</c> where it has one.</summary>
    public byte[] WriteBad(in SimEvent e, long number, BadKind kind, Rng rng)
    {
        _pos = 0;
        if (kind == BadKind.NotAnObject)
        {
            // A JSON array or a bare string: well-formed JSON, but not an event object.
            if (rng.Chance(0.5))
            {
                Put("[\""u8); PutId("x-"u8, number); Put("\",\""u8); Put(Stages.NamesUtf8[(int)e.Stage]); Put("\"]"u8);
            }
            else
            {
                Put("\""u8); Put(Stages.NamesUtf8[(int)e.Stage]); Put("\""u8);
            }
            return _buffer.AsSpan(0, _pos).ToArray();
        }

        Put("{"u8);
        if (kind != BadKind.MissingId)
        {
            Put("\"id\":\""u8);
            if (kind != BadKind.EmptyId)
                PutId("x-"u8, number);
            Put("\","u8);
        }
        Stage stage = kind == BadKind.MissingJourney && !Stages.RequiresJourney(e.Stage) ? Stage.Lead : e.Stage;
        Put("\"type\":"u8);
        if (kind == BadKind.UnknownType)
        {
            Put(rng.Chance(0.5) ? "\"pageview\""u8 : "\"Closed Won\""u8);
        }
        else
        {
            Put("\""u8); Put(Stages.NamesUtf8[(int)stage]); Put("\""u8);
            if (kind == BadKind.DuplicateField)
            {
                Put(",\"type\":\""u8); Put(Stages.NamesUtf8[(int)stage]); Put("\""u8);
            }
        }
        if (kind != BadKind.MissingTimestamp)
        {
            Put(",\"ts\":"u8);
            if (kind == BadKind.BadTimestamp)
                PutBadTimestamp(e.TimestampMs, rng.NextInt(4));
            else
                PutTimestamp(e.TimestampMs, numeric: false);
        }
        long cost = e.CostMicros;
        ReadOnlySpan<byte> currency = UsdField;
        switch (kind)
        {
            case BadKind.NegativeCost:
                Put(",\"cost\":-"u8);
                PutMoney(cost > 0 ? cost : 1_250_000);
                cost = -1;
                break;
            case BadKind.CostAsString:
                Put(",\"cost\":\""u8);
                PutMoney(cost > 0 ? cost : 12_500_000);
                Put("\""u8);
                cost = -1;
                break;
            case BadKind.WrongCurrency:
                currency = ",\"currency\":\"EUR\""u8;
                if (cost < 0 && e.AmountMicros < 0)
                    cost = 1_000_000;
                break;
        }
        PutRest(e, writeJourney: kind != BadKind.MissingJourney, cost, e.AmountMicros, currency);

        int length = _pos;
        if (kind == BadKind.InvalidJson)
        {
            // A trailing comma before the closing brace.
            _buffer[length - 1] = (byte)',';
            _buffer[length++] = (byte)'}';
        }
        else if (kind == BadKind.Truncated)
        {
            // Any proper prefix of an object is incomplete JSON.
            length = 1 + (int)rng.NextInclusive(length - 2);
        }
        return _buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Journey, dimensions, money and the closing brace.</summary>
    private void PutRest(in SimEvent e, bool writeJourney, long costMicros, long amountMicros, ReadOnlySpan<byte> currency)
    {
        if (writeJourney && e.Journey >= 0)
        {
            Put(JourneyOpen);
            PutId("j-"u8, e.Journey);
            Put("\""u8);
        }
        if (e.Campaign >= 0)
            Put(_plan.CampaignFields[e.Campaign]);
        if (e.Channel >= 0)
            Put(_plan.ChannelFields[e.Channel]);
        if (e.Segment >= 0)
            Put(_plan.SegmentFields[e.Segment]);
        if (costMicros >= 0)
        {
            Put(CostOpen);
            PutMoney(costMicros);
        }
        if (amountMicros >= 0)
        {
            Put(AmountOpen);
            PutMoney(amountMicros);
        }
        if (costMicros >= 0 || amountMicros >= 0)
            Put(currency);
        Put("}"u8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_pos));
        _pos += bytes.Length;
    }

    private void PutId(ReadOnlySpan<byte> kind, long number)
    {
        Put(_prefix);
        Put(kind);
        PutLong(number);
    }

    private void PutLong(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_pos), out int written);
        _pos += written;
    }

    /// <summary>Money in decimal units from micro-units: at most 6 fraction digits, trailing zeros trimmed.</summary>
    private void PutMoney(long micros)
    {
        PutLong(micros / 1_000_000);
        int fraction = (int)(micros % 1_000_000);
        if (fraction == 0)
            return;
        _buffer[_pos++] = (byte)'.';
        int digits = 6;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }
        for (int i = digits - 1; i >= 0; i--)
        {
            _buffer[_pos + i] = (byte)('0' + fraction % 10);
            fraction /= 10;
        }
        _pos += digits;
    }

    /// <summary><c>"YYYY-MM-DDTHH:MM:SS.fffZ"</c> (UTC, years 1..9999), or integer epoch ms.</summary>
    private void PutTimestamp(long ms, bool numeric)
    {
        if (numeric)
        {
            PutLong(ms);
            return;
        }
        _buffer[_pos++] = (byte)'"';
        PutDateTime(ms);
        _buffer[_pos++] = (byte)'Z';
        _buffer[_pos++] = (byte)'"';
    }

    /// <summary><c>YYYY-MM-DDTHH:MM:SS.fff</c>, no zone.</summary>
    private void PutDateTime(long ms)
    {
        long days = Math.DivRem(ms, MsPerDay, out long msOfDay);
        if (msOfDay < 0)
        {
            days--;
            msOfDay += MsPerDay;
        }
        // H. Hinnant's civil_from_days.
        long z = days + 719_468;
        long era = (z >= 0 ? z : z - 146_096) / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int)(doy - (153 * mp + 2) / 5 + 1);
        int month = (int)(mp < 10 ? mp + 3 : mp - 9);
        int year = (int)(yoe + era * 400 + (month <= 2 ? 1 : 0));

        Span<byte> b = _buffer.AsSpan(_pos, 23);
        Digits(b, 0, year / 100);
        Digits(b, 2, year % 100);
        b[4] = (byte)'-';
        Digits(b, 5, month);
        b[7] = (byte)'-';
        Digits(b, 8, day);
        b[10] = (byte)'T';
        int seconds = (int)(msOfDay / 1000);
        Digits(b, 11, seconds / 3600);
        b[13] = (byte)':';
        Digits(b, 14, seconds / 60 % 60);
        b[16] = (byte)':';
        Digits(b, 17, seconds % 60);
        b[19] = (byte)'.';
        int millis = (int)(msOfDay % 1000);
        b[20] = (byte)('0' + millis / 100);
        Digits(b, 21, millis % 100);
        _pos += 23;
    }

    /// <summary>A <c>ts</c> the contract rejects: not a date, no zone, an impossible date, or a fraction of epoch ms.</summary>
    private void PutBadTimestamp(long ms, int variant)
    {
        switch (variant)
        {
            case 0:
                Put("\"yesterday\""u8);
                break;
            case 1:
                _buffer[_pos++] = (byte)'"';
                PutDateTime(ms);
                _buffer[_pos++] = (byte)'"';
                break;
            case 2:
                Put("\"2026-02-30T12:00:00Z\""u8);
                break;
            default:
                PutLong(ms);
                Put(".5"u8);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Digits(Span<byte> b, int at, int value)
    {
        b[at] = (byte)('0' + value / 10);
        b[at + 1] = (byte)('0' + value % 10);
    }
}
