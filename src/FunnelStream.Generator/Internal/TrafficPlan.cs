using System.Text;
using System.Text.Json;

namespace FunnelStream.Generator.Internal;

/// <summary>
/// A validated, immutable copy of <see cref="TrafficOptions"/> in the form the simulation uses:
/// milliseconds, micro-units, indices, cumulative weights and pre-encoded JSON fields.
/// </summary>
internal sealed class TrafficPlan
{
    private const long MsPerDay = 86_400_000;
    private const long MicrosPerUnit = 1_000_000;
    private const int MaxValueLength = 128;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Delay medians in ms at scale 1, and log-normal shapes, per <see cref="Delay"/>.</summary>
    private static readonly (double MedianMs, double Sigma)[] DelayShapes =
    [
        (3_000, 1.0),             // impression > click: seconds
        (90_000, 1.0),            // click > lead: seconds to minutes
        (2 * 3_600_000, 1.0),     // lead > mql: minutes to hours
        (MsPerDay, 0.8),          // mql > sql: hours to days
        (3 * MsPerDay, 0.8),      // sql > opportunity: days
        (14 * MsPerDay, 0.6),     // opportunity > won/lost: weeks
        (120 * MsPerDay, 0.5),    // won > expansion: months
        (365 * MsPerDay, 0.05),   // won > renewal/churn: the contract's anniversary
    ];

    public TrafficPlan(TrafficOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        Seed = o.Seed;
        Check(o.Start.Year is >= 1971 and <= 9998, nameof(o.Start), $"must be within years 1971..9998 (got {o.Start:O})");
        Check(o.Duration > TimeSpan.Zero, nameof(o.Duration), $"must be positive (got {o.Duration})");
        StartMs = o.Start.ToUnixTimeMilliseconds();
        EndMs = checked(StartMs + (long)o.Duration.TotalMilliseconds);
        Check(EndMs < new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), nameof(o.Duration), "ends after year 9998");

        string[] campaigns = o.Campaigns?.ToArray() ?? [];
        Check(campaigns.Length > 0, nameof(o.Campaigns), "must name at least one campaign");
        CheckNames(campaigns, nameof(o.Campaigns));
        Campaigns = campaigns;
        CampaignFields = campaigns.Select(c => Field("campaign", c)).ToArray();

        ChannelOptions[] channels = o.Channels?.ToArray() ?? [];
        Check(channels.Length > 0 && channels.All(c => c is not null), nameof(o.Channels), "must list at least one channel, none null");
        CheckNames(channels.Select(c => c.Name).ToArray(), nameof(o.Channels));
        foreach (ChannelOptions c in channels)
        {
            CheckName(c.Source, $"{nameof(o.Channels)}[{c.Name}].{nameof(c.Source)}");
            Check(c.Weight > 0 && double.IsFinite(c.Weight), $"{nameof(o.Channels)}[{c.Name}].{nameof(c.Weight)}", $"must be positive (got {c.Weight})");
            Check(Enum.IsDefined(c.Pricing), $"{nameof(o.Channels)}[{c.Name}].{nameof(c.Pricing)}", $"is not a pricing model (got {c.Pricing})");
            Check(c.Price is >= 0 and <= 1_000_000, $"{nameof(o.Channels)}[{c.Name}].{nameof(c.Price)}", $"must be in [0, 1000000] (got {c.Price})");
            Check(c.DailySpend is >= 0 and <= 1_000_000_000, $"{nameof(o.Channels)}[{c.Name}].{nameof(c.DailySpend)}", $"must be in [0, 1e9] (got {c.DailySpend})");
        }
        Channels = channels.Select(c => c.Name).ToArray();
        ChannelFields = channels.Select(c => Concat(Field("channel", c.Name), Field("source", c.Source))).ToArray();
        ChannelCumulative = Cumulative(channels.Select(c => c.Weight));
        Pricing = channels.Select(c => c.Pricing).ToArray();
        ClickPriceMicros = channels.Select(c => c.Pricing == ChannelPricing.CostPerClick ? Micros(c.Price) : 0).ToArray();
        ImpressionCostMicros = channels.Select(c => c.Pricing == ChannelPricing.CostPerMille ? Micros(c.Price / 1000m) : -1).ToArray();

        SegmentOptions[] segments = o.Segments?.ToArray() ?? [];
        Check(segments.Length > 0 && segments.All(s => s is not null), nameof(o.Segments), "must list at least one segment, none null");
        CheckNames(segments.Select(s => s.Name).ToArray(), nameof(o.Segments));
        foreach (SegmentOptions s in segments)
        {
            Check(s.Weight > 0 && double.IsFinite(s.Weight), $"{nameof(o.Segments)}[{s.Name}].{nameof(s.Weight)}", $"must be positive (got {s.Weight})");
            Check(s.DealSizeFactor > 0 && double.IsFinite(s.DealSizeFactor), $"{nameof(o.Segments)}[{s.Name}].{nameof(s.DealSizeFactor)}", $"must be positive (got {s.DealSizeFactor})");
        }
        SegmentFields = segments.Select(s => Field("segment", s.Name)).ToArray();
        SegmentCumulative = Cumulative(segments.Select(s => s.Weight));
        DealFactor = segments.Select(s => s.DealSizeFactor).ToArray();

        Transition = new double[Stages.OrderedTransitions];
        Transition[(int)Stage.Impression] = Probability(o.ClickThroughRate, nameof(o.ClickThroughRate));
        Transition[(int)Stage.Click] = Probability(o.ClickToLeadRate, nameof(o.ClickToLeadRate));
        Transition[(int)Stage.Lead] = Probability(o.LeadToMqlRate, nameof(o.LeadToMqlRate));
        Transition[(int)Stage.Mql] = Probability(o.MqlToSqlRate, nameof(o.MqlToSqlRate));
        Transition[(int)Stage.Sql] = Probability(o.SqlToOpportunityRate, nameof(o.SqlToOpportunityRate));
        Transition[(int)Stage.Opportunity] = Probability(o.OpportunityToWonRate, nameof(o.OpportunityToWonRate));
        ExpansionRate = Probability(o.ExpansionRate, nameof(o.ExpansionRate));
        RenewalRate = Probability(o.RenewalRate, nameof(o.RenewalRate));

        Check(o.DealAmountMedian is >= 1 and <= 10_000_000, nameof(o.DealAmountMedian), $"must be in [1, 10000000] (got {o.DealAmountMedian})");
        Check(o.DealAmountSigma is >= 0 and <= 3, nameof(o.DealAmountSigma), $"must be in [0, 3] (got {o.DealAmountSigma})");
        DealMedian = (double)o.DealAmountMedian;
        DealSigma = o.DealAmountSigma;

        Check(o.StageDelayScale > 0 && o.StageDelayScale <= 1000, nameof(o.StageDelayScale), $"must be in (0, 1000] (got {o.StageDelayScale})");
        DelayMedianMs = DelayShapes.Select(d => d.MedianMs * o.StageDelayScale).ToArray();
        DelaySigma = DelayShapes.Select(d => d.Sigma).ToArray();

        Check(o.SpendReportInterval >= TimeSpan.FromSeconds(2), nameof(o.SpendReportInterval), $"must be at least 2 seconds (got {o.SpendReportInterval})");
        SpendIntervalMs = (long)o.SpendReportInterval.TotalMilliseconds;
        SpendPerIntervalMicros = channels
            .Select(c => (long)Math.Round(c.DailySpend * MicrosPerUnit * SpendIntervalMs / MsPerDay))
            .ToArray();

        Check(double.IsFinite(o.EventsPerSecond) && o.EventsPerSecond > 0 && o.EventsPerSecond <= 1e7, nameof(o.EventsPerSecond), $"must be in (0, 1e7] (got {o.EventsPerSecond})");
        ImpressionsPerMs = o.EventsPerSecond / EventsPerImpression() / 1000;

        NumericTimestampRate = Probability(o.NumericTimestampRate, nameof(o.NumericTimestampRate));
        string prefix = o.IdPrefix ?? "";
        Check(prefix.Length <= 32 && prefix.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or ':' or '-'),
            nameof(o.IdPrefix), $"must be at most 32 letters, digits, '.', '_', ':' or '-' (got '{prefix}')");
        IdPrefix = prefix;

        DuplicateRate = Probability(o.DuplicateRate, nameof(o.DuplicateRate));
        Check(o.DuplicateMaxDelay >= TimeSpan.Zero, nameof(o.DuplicateMaxDelay), $"must not be negative (got {o.DuplicateMaxDelay})");
        DuplicateMaxDelayMs = (long)o.DuplicateMaxDelay.TotalMilliseconds;
        Check(o.OutOfOrderJitter >= TimeSpan.Zero, nameof(o.OutOfOrderJitter), $"must not be negative (got {o.OutOfOrderJitter})");
        JitterMs = (long)o.OutOfOrderJitter.TotalMilliseconds;
        LateRate = Probability(o.LateRate, nameof(o.LateRate));
        Check(o.LateDelayMin > TimeSpan.FromMinutes(5) + o.OutOfOrderJitter, nameof(o.LateDelayMin),
            $"must exceed 5 minutes (the default allowed lateness) plus OutOfOrderJitter (got {o.LateDelayMin})");
        Check(o.LateDelayMax >= o.LateDelayMin, nameof(o.LateDelayMax), $"must not be below LateDelayMin (got {o.LateDelayMax})");
        LateMinMs = (long)o.LateDelayMin.TotalMilliseconds;
        LateMaxMs = (long)o.LateDelayMax.TotalMilliseconds;
        BadRecordRate = Probability(o.BadRecordRate, nameof(o.BadRecordRate));

        Leaks = (o.Leaks ?? []).Select((l, i) => Leak(l, i)).ToArray();
    }

    public long Seed { get; }
    public long StartMs { get; }
    /// <summary>Exclusive: no event at or after this instant is emitted.</summary>
    public long EndMs { get; }
    public double ImpressionsPerMs { get; }

    public string[] Campaigns { get; }
    public string[] Channels { get; }
    /// <summary><c>,"campaign":"..."</c> per campaign.</summary>
    public byte[][] CampaignFields { get; }
    /// <summary><c>,"channel":"...","source":"..."</c> per channel.</summary>
    public byte[][] ChannelFields { get; }
    /// <summary><c>,"segment":"..."</c> per segment.</summary>
    public byte[][] SegmentFields { get; }
    public double[] ChannelCumulative { get; }
    public double[] SegmentCumulative { get; }
    public ChannelPricing[] Pricing { get; }
    public long[] ClickPriceMicros { get; }
    /// <summary>Per channel: the cost of one impression (CPM channels), or -1.</summary>
    public long[] ImpressionCostMicros { get; }
    public double[] DealFactor { get; }

    /// <summary>Per lower stage of an ordered transition (<see cref="Stage.Impression"/>..<see cref="Stage.Opportunity"/>): its probability.</summary>
    public double[] Transition { get; }
    public double ExpansionRate { get; }
    public double RenewalRate { get; }
    public double DealMedian { get; }
    public double DealSigma { get; }
    public double[] DelayMedianMs { get; }
    public double[] DelaySigma { get; }
    public long SpendIntervalMs { get; }
    /// <summary>Per channel: the cost of one spend report per campaign, 0 for none.</summary>
    public long[] SpendPerIntervalMicros { get; }

    public double NumericTimestampRate { get; }
    public string IdPrefix { get; }
    public double DuplicateRate { get; }
    public long DuplicateMaxDelayMs { get; }
    public long JitterMs { get; }
    public double LateRate { get; }
    public long LateMinMs { get; }
    public long LateMaxMs { get; }
    public double BadRecordRate { get; }
    public LeakRule[] Leaks { get; }

    /// <summary>The longest UTF-8 length of the dimension fields together, for sizing the writer's buffer.</summary>
    public int MaxDimensionBytes =>
        CampaignFields.Max(f => f.Length) + ChannelFields.Max(f => f.Length) + SegmentFields.Max(f => f.Length);

    /// <summary>The expected number of valid events per impression: the impression and everything its journey leads to.</summary>
    private double EventsPerImpression()
    {
        double[] p = Transition;
        double won = p[(int)Stage.Opportunity];
        // From an opportunity: itself, its close (won or lost), and after a win an expansion and a renewal or churn.
        double fromOpportunity = 1 + 1 + won * (ExpansionRate + 1);
        double fromSql = 1 + p[(int)Stage.Sql] * fromOpportunity;
        double fromMql = 1 + p[(int)Stage.Mql] * fromSql;
        double fromLead = 1 + p[(int)Stage.Lead] * fromMql;
        double fromClick = 1 + p[(int)Stage.Click] * fromLead;
        return 1 + p[(int)Stage.Impression] * fromClick;
    }

    private LeakRule Leak(LeakOptions? l, int index)
    {
        string name = $"Leaks[{index}]";
        Check(l is not null, name, "is null");
        Stage? from = Stages.Parse(l!.From);
        Stage? to = Stages.Parse(l.To);
        Check(from is >= Stage.Impression and <= Stage.Opportunity && to == from + 1, name,
            $"must name adjacent stages of impression > click > lead > mql > sql > opportunity > won (got '{l.From}' > '{l.To}')");
        int campaign = l.Campaign is null ? -1 : Array.IndexOf(Campaigns, l.Campaign);
        Check(campaign >= 0 || l.Campaign is null, $"{name}.Campaign", $"'{l.Campaign}' is not one of the campaigns ({string.Join(", ", Campaigns)})");
        int channel = l.Channel is null ? -1 : Array.IndexOf(Channels, l.Channel);
        Check(channel >= 0 || l.Channel is null, $"{name}.Channel", $"'{l.Channel}' is not one of the channels ({string.Join(", ", Channels)})");
        Check(l.Factor >= 0 && double.IsFinite(l.Factor), $"{name}.Factor", $"must be a finite number >= 0 (got {l.Factor})");
        long startMs = l.Start == DateTimeOffset.MinValue ? long.MinValue : l.Start.ToUnixTimeMilliseconds();
        long endMs = l.End == DateTimeOffset.MaxValue ? long.MaxValue : l.End.ToUnixTimeMilliseconds();
        Check(endMs > startMs, $"{name}.End", $"must be after Start (got {l.End:O} <= {l.Start:O})");
        return new LeakRule(from!.Value, campaign, channel, l.Factor, startMs, endMs);
    }

    private static double[] Cumulative(IEnumerable<double> weights)
    {
        double[] w = weights.ToArray();
        double total = w.Sum();
        double sum = 0;
        double[] cumulative = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            sum += w[i];
            cumulative[i] = sum / total;
        }
        cumulative[^1] = 1.0;
        return cumulative;
    }

    private static long Micros(decimal units) => (long)Math.Round(units * MicrosPerUnit, MidpointRounding.AwayFromZero);

    /// <summary><c>,"name":"value"</c> with the value JSON-escaped.</summary>
    private static byte[] Field(string name, string value)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStringValue(value);
        }
        return [.. Encoding.UTF8.GetBytes($",\"{name}\":"), .. buffer.ToArray()];
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private static void CheckNames(string[] names, string option)
    {
        foreach (string n in names)
            CheckName(n, option);
        string? twice = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        Check(twice is null, option, $"names '{twice}' twice");
    }

    private static void CheckName(string? name, string option) =>
        Check(!string.IsNullOrEmpty(name) && name.Length <= MaxValueLength && IsWellFormed(name),
            option, $"values must be 1..{MaxValueLength} UTF-16 characters of well-formed text (got '{name}')");

    private static bool IsWellFormed(string s)
    {
        try
        {
            StrictUtf8.GetByteCount(s);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private static double Probability(double p, string option)
    {
        Check(p is >= 0 and <= 1, option, $"must be a probability in [0, 1] (got {p})");
        return p;
    }

    private static void Check(bool ok, string option, string message)
    {
        if (!ok)
            throw new ArgumentException($"{nameof(TrafficOptions)}.{option} {message}", option);
    }
}
