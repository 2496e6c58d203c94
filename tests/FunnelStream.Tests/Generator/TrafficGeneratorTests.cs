using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FunnelStream.Events;
using FunnelStream.Generator;
using static FunnelStream.Tests.Generator.GeneratorTestKit;

namespace FunnelStream.Tests.Generator;

public partial class TrafficGeneratorTests
{
    private static readonly long FiveMinutesMs = 5 * 60_000;

    [Fact]
    public void Generate_SameSeedTwice_SameBytesKeysAndKinds()
    {
        TrafficOptions options = Chaotic(Fast(seed: 42, duration: TimeSpan.FromMinutes(20)));
        var generator = new TrafficGenerator(options);

        string first = Digest(generator.Generate());
        Assert.Equal(first, Digest(generator.Generate()));
        Assert.Equal(first, Digest(new TrafficGenerator(Chaotic(Fast(seed: 42, duration: TimeSpan.FromMinutes(20)))).Generate()));
    }

    [Fact]
    public void Generate_DifferentSeeds_DifferentTraffic()
    {
        Assert.NotEqual(Digest(new TrafficGenerator(Fast(seed: 1, duration: TimeSpan.FromMinutes(5))).Generate()), Digest(new TrafficGenerator(Fast(seed: 2, duration: TimeSpan.FromMinutes(5))).Generate()));
    }

    [Fact]
    public void Generate_ImperfectionsOn_ValidTrafficUnchanged()
    {
        // The imperfections draw from their own random stream: the set of valid events stays the same.
        TrafficOptions plain = Fast(seed: 5, duration: TimeSpan.FromMinutes(10));
        plain.NumericTimestampRate = 0.1; // a formatting choice, not an imperfection
        var clean = Generate(plain).Select(r => Convert.ToBase64String(r.Value)).Order(StringComparer.Ordinal).ToList();
        var chaotic = Generate(Chaotic(Fast(seed: 5, duration: TimeSpan.FromMinutes(10))))
            .Where(r => r.Kind is RecordKind.Valid or RecordKind.Late)
            .Select(r => Convert.ToBase64String(r.Value)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(clean.Count, chaotic.Count);
        Assert.True(clean.SequenceEqual(chaotic), "the valid records differ");
    }

    [Fact]
    public void Generate_DefaultRates_StageRatesWithinTolerance()
    {
        // Default conversion rates; 1.2 M events give ~23,000 clicks, ~1,600 leads, ~650 MQLs.
        TrafficOptions options = Fast(eventsPerSecond: 1000, duration: TimeSpan.FromMinutes(20));
        var events = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).ToList();
        Rates rates = Rates.Measure(events, options);

        AssertRate(rates, "impression", "click", options.ClickThroughRate, 0.2);
        AssertRate(rates, "click", "lead", options.ClickToLeadRate, 0.2);
        AssertRate(rates, "lead", "mql", options.LeadToMqlRate, 0.2);
    }

    [Fact]
    public void Generate_BoostedRates_EveryTransitionAndOutcomeWithinTolerance()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 400, duration: TimeSpan.FromMinutes(30)));
        options.ExpansionRate = 0.5;
        options.RenewalRate = 0.7;
        options.StageDelayScale = 0.00001; // a year's renewal within 6 minutes
        var events = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).ToList();
        Rates rates = Rates.Measure(events, options);

        AssertRate(rates, "impression", "click", options.ClickThroughRate, 0.1);
        AssertRate(rates, "click", "lead", options.ClickToLeadRate, 0.1);
        AssertRate(rates, "lead", "mql", options.LeadToMqlRate, 0.1);
        AssertRate(rates, "mql", "sql", options.MqlToSqlRate, 0.1);
        AssertRate(rates, "sql", "opportunity", options.SqlToOpportunityRate, 0.1);
        AssertRate(rates, "opportunity", "won", options.OpportunityToWonRate, 0.1);
        AssertRate(rates, "opportunity", "lost", 1 - options.OpportunityToWonRate, 0.1);
        AssertRate(rates, "won", "expansion", options.ExpansionRate, 0.15);
        AssertRate(rates, "won", "renewal", options.RenewalRate, 0.15);
        AssertRate(rates, "won", "churn", 1 - options.RenewalRate, 0.25);
    }

    [Fact]
    public void Generate_EventsPerSecond_TotalNearConfiguredRate()
    {
        TrafficOptions options = Fast(eventsPerSecond: 300, duration: TimeSpan.FromHours(1));
        options.Channels = [new ChannelOptions { Name = "google_ads", Source = "paid", Pricing = ChannelPricing.CostPerClick, Price = 2 }];
        long valid = new TrafficGenerator(options).Generate().LongCount();
        Assert.InRange(valid, 300 * 3600 * 0.97, 300 * 3600 * 1.03);
    }

    [Fact]
    public void Generate_ValidRecords_MatchTheContractAndParse()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 100));
        options.NumericTimestampRate = 0.1;
        options.StageDelayScale = 0.00001;
        EventParser parser = NewParser();
        var seenTypes = new HashSet<string>();
        var ids = new HashSet<string>();
        var rfc3339 = MillisecondsUtc();
        var money = MoneyNumber();
        long startMs = options.Start.ToUnixTimeMilliseconds(), endMs = (options.Start + options.Duration).ToUnixTimeMilliseconds();

        foreach ((GeneratedRecord r, Event e) in ParseValid(new TrafficGenerator(options).Generate()))
        {
            Assert.Equal(RejectReason.None, parser.Parse(r.Value, out _));
            Assert.DoesNotContain((byte)'\n', r.Value);
            Assert.True(ids.Add(e.Id), $"id {e.Id} twice");
            Assert.InRange(e.Id.Length, 1, 128);
            Assert.Contains(e.Type, AllTypes);
            seenTypes.Add(e.Type);
            Assert.True(e.TsText is null || rfc3339.IsMatch(e.TsText), e.TsText);
            Assert.InRange(e.TsMs, startMs, endMs - 1);
            Assert.Equal(e.TsMs, r.Timestamp.ToUnixTimeMilliseconds());
            Assert.Equal(TopicOf(e.Type), r.Topic);
            Assert.Equal(e.Journey, r.Key);
            Assert.NotNull(e.Campaign);
            Assert.NotNull(e.Channel);
            Assert.NotNull(e.Source);
            Assert.True(e.Segment is not null || e.Type == "spend");
            if (JourneyTypes.Contains(e.Type) || e.Type == "click")
                Assert.False(string.IsNullOrEmpty(e.Journey), $"{e.Type} without journey");
            if (e.Type is "impression" or "spend")
                Assert.Null(e.Journey);
            foreach (string? m in new[] { e.Cost, e.Amount })
            {
                if (m is not null)
                    Assert.Matches(money, m);
            }
            Assert.Equal(e.Cost is not null || e.Amount is not null ? "USD" : null, e.Currency);
            if (e.Type is "won" or "lost" or "renewal" or "expansion" or "churn")
                Assert.True(e.AmountValue >= 1, $"{e.Type} without amount");
            else
                Assert.Null(e.Amount);
        }
        Assert.Equal(AllTypes.Order(), seenTypes.Order());
    }

    [Fact]
    public void Generate_Costs_OnImpressionsForCpmAndClicksForCpcAndSpendReports()
    {
        TrafficOptions options = Fast(eventsPerSecond: 150, duration: TimeSpan.FromMinutes(30));
        var events = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).ToList();

        Assert.All(events.Where(e => e.Type == "impression"), e => Assert.Equal(e.Channel == "facebook" ? "0.0085" : null, e.Cost));
        var clicks = events.Where(e => e.Type == "click").ToList();
        Assert.All(clicks, e => Assert.Equal(e.Channel is "linkedin" or "google_ads", e.Cost is not null));
        decimal linkedinMedian = clicks.Where(e => e.Channel == "linkedin").Select(e => e.CostValue).Order().ElementAt(clicks.Count(e => e.Channel == "linkedin") / 2);
        Assert.InRange(linkedinMedian, 5.0m, 6.6m);
        Assert.All(events.Where(e => e.Type is not ("impression" or "click" or "spend")), e => Assert.Null(e.Cost));

        // 30 min at a 10-minute interval: reports at 9:59, 19:59, 29:59 for each campaign of email and partner.
        var spend = events.Where(e => e.Type == "spend").ToList();
        Assert.Equal(3 * 5 * 2, spend.Count);
        Assert.All(spend, e =>
        {
            Assert.Null(e.Journey);
            Assert.Null(e.Segment);
            Assert.Contains(e.Channel, new[] { "email", "partner" });
            Assert.Equal(599_000, (e.TsMs - options.Start.ToUnixTimeMilliseconds()) % 600_000);
        });
        // $25 a day prorated to 10 minutes is about 17 cents.
        Assert.InRange(spend.Where(e => e.Channel == "email").Average(e => e.CostValue), 0.14m, 0.21m);
    }

    [Fact]
    public void Generate_DealAmounts_LogNormalAroundTheMedianTimesSegmentFactor()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 400, duration: TimeSpan.FromHours(1)));
        options.Segments = [new SegmentOptions { Name = "mid_market" }];
        var won = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).Where(e => e.Type is "won" or "lost").ToList();
        Assert.True(won.Count > 1000, $"only {won.Count} closed deals");
        decimal median = won.Select(e => e.AmountValue).Order().ElementAt(won.Count / 2);
        Assert.InRange(median, 8_500m, 11_500m);
        Assert.All(won, e => Assert.Equal(0, e.AmountValue % 1));
    }

    [Fact]
    public void Generate_Duplicates_ByteIdenticalToAnEarlierRecordShortlyBefore()
    {
        TrafficOptions options = Fast(eventsPerSecond: 200);
        options.DuplicateRate = 0.05;
        options.DuplicateMaxDelay = TimeSpan.FromSeconds(20);
        var earlier = new Dictionary<string, GeneratedRecord>();
        int duplicates = 0, valid = 0;
        foreach (GeneratedRecord r in new TrafficGenerator(options).Generate())
        {
            string id = Parse(r.Value).Id;
            if (r.Kind == RecordKind.Duplicate)
            {
                duplicates++;
                Assert.True(earlier.TryGetValue(id, out GeneratedRecord original), $"duplicate {id} before its original");
                Assert.Equal(original.Value, r.Value);
                Assert.Equal(original.Key, r.Key);
                Assert.Equal(original.Timestamp, r.Timestamp);
            }
            else
            {
                valid++;
                Assert.True(earlier.TryAdd(id, r), $"id {id} re-used by a non-duplicate");
            }
        }
        Assert.InRange(duplicates, valid * 0.045, valid * 0.055);
    }

    [Fact]
    public void Generate_OutOfOrderJitter_DisorderBoundedByTheJitter()
    {
        TrafficOptions options = Fast(eventsPerSecond: 200);
        options.OutOfOrderJitter = TimeSpan.FromSeconds(30);
        long jitterMs = 30_000, newest = long.MinValue, behind = 0, maxBehind = 0;
        foreach (GeneratedRecord r in new TrafficGenerator(options).Generate())
        {
            long ts = r.Timestamp.ToUnixTimeMilliseconds();
            Assert.Equal(ts, Parse(r.Value).TsMs);
            if (ts < newest)
            {
                behind++;
                maxBehind = Math.Max(maxBehind, newest - ts);
            }
            newest = Math.Max(newest, ts);
        }
        Assert.InRange(maxBehind, jitterMs * 0.9, jitterMs);
        Assert.True(behind > 1000, $"only {behind} records out of order");
    }

    [Fact]
    public void Generate_NoJitter_EventTimeOrder()
    {
        long previous = long.MinValue;
        foreach (GeneratedRecord r in new TrafficGenerator(Boosted(Fast())).Generate())
        {
            Assert.True(r.Timestamp.ToUnixTimeMilliseconds() >= previous);
            previous = r.Timestamp.ToUnixTimeMilliseconds();
        }
    }

    [Fact]
    public void Generate_LateRecords_BehindTheWatermarkByMoreThanFiveMinutes()
    {
        TrafficOptions options = Fast(eventsPerSecond: 100);
        options.LateRate = 0.01;
        options.OutOfOrderJitter = TimeSpan.FromSeconds(10);
        long watermark = long.MinValue / 2;
        int late = 0, valid = 0;
        foreach (GeneratedRecord r in new TrafficGenerator(options).Generate())
        {
            long ts = r.Timestamp.ToUnixTimeMilliseconds();
            if (r.Kind == RecordKind.Late)
            {
                late++;
                Assert.True(ts < watermark - FiveMinutesMs, $"late record only {watermark - ts} ms behind");
                continue;
            }
            valid++;
            Assert.True(ts >= watermark - 10_000);
            watermark = Math.Max(watermark, ts);
        }
        // Events in the last 10 minutes (1/6 of the hour) are never made late.
        Assert.InRange(late, valid * 0.008 * 5 / 6, valid * 0.012 * 5 / 6);
    }

    [Fact]
    public void Generate_BadRecords_RejectedByTheParserForVariedReasons()
    {
        TrafficOptions options = Fast(eventsPerSecond: 100, duration: TimeSpan.FromMinutes(20));
        options.BadRecordRate = 0.05;
        EventParser parser = NewParser();
        var reasons = new Dictionary<RejectReason, int>();
        int bad = 0, valid = 0;
        foreach (GeneratedRecord r in new TrafficGenerator(options).Generate())
        {
            RejectReason reason = parser.Parse(r.Value, out _);
            if (r.Kind != RecordKind.Bad)
            {
                valid++;
                Assert.Equal(RejectReason.None, reason);
                continue;
            }
            bad++;
            Assert.NotEqual(RejectReason.None, reason);
            Assert.DoesNotContain((byte)'\n', r.Value);
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }
        Assert.InRange(bad, valid * 0.045, valid * 0.055);
        RejectReason[] expected =
        [
            RejectReason.InvalidJson, RejectReason.MissingId, RejectReason.InvalidId, RejectReason.UnknownType,
            RejectReason.InvalidMoney, RejectReason.InvalidTimestamp, RejectReason.MissingTimestamp,
            RejectReason.MissingJourney, RejectReason.CurrencyMismatch, RejectReason.DuplicateField,
        ];
        Assert.All(expected, e => Assert.True(reasons.ContainsKey(e), $"no bad record rejected as {e}"));
    }

    [Fact]
    public void Generate_Leak_ReducesTheTransitionOnlyForTheFilteredCampaignAfterItsStart()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 300, duration: TimeSpan.FromMinutes(40)));
        DateTimeOffset leakStart = options.Start.AddMinutes(20);
        options.Leaks = [new LeakOptions { From = "mql", To = "sql", Campaign = "brand", Factor = 0.2, Start = leakStart }];
        var events = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).ToList();
        var sqlJourneys = events.Where(e => e.Type == "sql").Select(e => e.Journey).ToHashSet();
        long leakMs = leakStart.ToUnixTimeMilliseconds();
        long cutoffMs = (options.Start + options.Duration).ToUnixTimeMilliseconds() - 300_000; // mql > sql takes < 3 min at this scale
        double Rate(Func<Event, bool> which)
        {
            var mqls = events.Where(e => e.Type == "mql" && e.TsMs < cutoffMs && which(e)).ToList();
            Assert.True(mqls.Count > 1000, $"only {mqls.Count} MQLs");
            return mqls.Count(e => sqlJourneys.Contains(e.Journey)) / (double)mqls.Count;
        }

        double brandBefore = Rate(e => e.Campaign == "brand" && e.TsMs < leakMs);
        double brandAfter = Rate(e => e.Campaign == "brand" && e.TsMs >= leakMs);
        double othersAfter = Rate(e => e.Campaign != "brand" && e.TsMs >= leakMs);
        Assert.InRange(brandBefore, 0.45, 0.55);
        Assert.InRange(othersAfter, 0.45, 0.55);
        Assert.InRange(brandAfter, 0.07, 0.13);
        // The other transitions of the leaking campaign are untouched.
        Assert.InRange(Rates.Measure(events.Where(e => e.Campaign == "brand" && e.TsMs >= leakMs).ToList(), options).Of("lead", "mql"), 0.54, 0.66);
    }

    [Fact]
    public void Generate_LeakWithEnd_TransitionRecoversAfterIt()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 300, duration: TimeSpan.FromMinutes(45)));
        DateTimeOffset leakStart = options.Start.AddMinutes(10), leakEnd = options.Start.AddMinutes(25);
        options.Leaks = [new LeakOptions { From = "mql", To = "sql", Factor = 0, Start = leakStart, End = leakEnd }];
        var events = ParseValid(new TrafficGenerator(options).Generate()).Select(p => p.Event).ToList();
        var sqlJourneys = events.Where(e => e.Type == "sql").Select(e => e.Journey).ToHashSet();
        long startMs = leakStart.ToUnixTimeMilliseconds(), endMs = leakEnd.ToUnixTimeMilliseconds();
        long cutoffMs = (options.Start + options.Duration).ToUnixTimeMilliseconds() - 300_000;
        double Rate(long fromMs, long toMs)
        {
            var mqls = events.Where(e => e.Type == "mql" && e.TsMs >= fromMs && e.TsMs < Math.Min(toMs, cutoffMs)).ToList();
            Assert.True(mqls.Count > 1000, $"only {mqls.Count} MQLs");
            return mqls.Count(e => sqlJourneys.Contains(e.Journey)) / (double)mqls.Count;
        }

        Assert.InRange(Rate(long.MinValue, startMs), 0.45, 0.55);
        Assert.Equal(0, Rate(startMs, endMs));
        Assert.InRange(Rate(endMs, long.MaxValue), 0.45, 0.55);
    }

    [Fact]
    public void Generate_LeakEndingBeforeItStarts_RejectedNamingTheKey()
    {
        TrafficOptions options = Fast();
        options.Leaks = [new LeakOptions { From = "mql", To = "sql", Start = options.Start.AddMinutes(10), End = options.Start.AddMinutes(5) }];
        var e = Assert.ThrowsAny<ArgumentException>(() => new TrafficGenerator(options));
        Assert.Contains("Leaks[0].End", e.Message);
    }

    [Fact]
    public void Generate_LeakOnChannel_OnlyThatChannelLeaks()
    {
        TrafficOptions options = Boosted(Fast(eventsPerSecond: 300, duration: TimeSpan.FromMinutes(15)));
        options.Leaks = [new LeakOptions { From = "impression", To = "click", Channel = "email", Factor = 0.25 }];
        var events = ParseValid(Generate(options)).Select(p => p.Event).ToList();
        Rates email = Rates.Measure(events.Where(e => e.Channel == "email").ToList(), options);
        Rates others = Rates.Measure(events.Where(e => e.Channel != "email").ToList(), options);
        Assert.InRange(email.Of("impression", "click"), 0.045, 0.055);
        Assert.InRange(others.Of("impression", "click"), 0.19, 0.21);
    }

    [Fact]
    public void Generate_MillionsOfRecords_StreamsWithoutHoldingThem()
    {
        // 1.2 M events (~200 MB of values): if the generator kept records, or a buffer that grows with
        // the run, records from the start and from the middle could not be collected. Weak references
        // rather than heap size: the heap is process-wide and other tests run alongside.
        TrafficOptions options = Chaotic(Fast(eventsPerSecond: 1000, duration: TimeSpan.FromMinutes(20)));
        var first = new List<WeakReference<byte[]>>();
        var middle = new List<WeakReference<byte[]>>();
        long count = 0;
        foreach (GeneratedRecord r in new TrafficGenerator(options).Generate())
        {
            if (count < 1000)
                Track(first, r);
            else if (count is >= 600_000 and < 601_000)
                Track(middle, r);
            count++;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.True(count > 1_100_000, $"only {count} records");
        Assert.DoesNotContain(first, w => w.TryGetTarget(out _));
        Assert.DoesNotContain(middle, w => w.TryGetTarget(out _));
    }

    [Fact]
    public void Generate_DurationEnd_NothingAtOrAfterIt()
    {
        TrafficOptions options = Fast(eventsPerSecond: 50, duration: TimeSpan.FromMinutes(10));
        options.StageDelayScale = 1; // realistic delays: most journeys are cut off at the end
        long endMs = (options.Start + options.Duration).ToUnixTimeMilliseconds();
        var records = Generate(options);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.True(r.Timestamp.ToUnixTimeMilliseconds() < endMs));
        Assert.Contains(records, r => Parse(r.Value).Type == "lead");
    }

    [Fact]
    public void Generate_IdPrefix_OnEventAndJourneyIds()
    {
        TrafficOptions options = Fast(duration: TimeSpan.FromMinutes(5));
        options.IdPrefix = "run7:";
        var events = ParseValid(Generate(options)).ToList();
        Assert.All(events, p => Assert.StartsWith("run7:e-", p.Event.Id));
        Assert.All(events.Where(p => p.Event.Journey is not null), p => Assert.StartsWith("run7:j-", p.Record.Key));
    }

    /// <summary>Not inlined, so that no temporary of the test method keeps the value alive in a debug build.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Track(List<WeakReference<byte[]>> weak, GeneratedRecord r) => weak.Add(new WeakReference<byte[]>(r.Value));

    private static void AssertRate(Rates rates, string from, string to, double expected, double relativeTolerance)
    {
        double actual = rates.Of(from, to);
        Assert.True(Math.Abs(actual - expected) <= expected * relativeTolerance,
            $"{from} > {to}: measured {actual:F4} over {rates.Denominator(from)} journeys, configured {expected:F4} (±{relativeTolerance:P0})");
    }

    /// <summary>Duplicates, disorder, late and bad records all on.</summary>
    private static TrafficOptions Chaotic(TrafficOptions o)
    {
        o.DuplicateRate = 0.02;
        o.OutOfOrderJitter = TimeSpan.FromSeconds(20);
        o.LateRate = 0.005;
        o.BadRecordRate = 0.005;
        o.NumericTimestampRate = 0.1;
        return o;
    }

    private static string Digest(IEnumerable<GeneratedRecord> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (GeneratedRecord r in records)
        {
            hash.AppendData(r.Value);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"|{r.Key}|{r.Kind}|{r.Topic}|{r.Timestamp.ToUnixTimeMilliseconds()}\n"));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static string TopicOf(string type) => type switch
    {
        "impression" or "click" or "spend" => FunnelTopics.Clicks,
        "lead" or "mql" or "sql" => FunnelTopics.Leads,
        _ => FunnelTopics.Deals,
    };

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex MillisecondsUtc();

    /// <summary>A plain decimal with at most 6 fraction digits and no trailing zero in the fraction.</summary>
    [GeneratedRegex(@"^(0|[1-9]\d*)(\.\d{0,5}[1-9])?$")]
    private static partial Regex MoneyNumber();
}
