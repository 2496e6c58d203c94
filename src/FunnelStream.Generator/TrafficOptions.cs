namespace FunnelStream.Generator;

/// <summary>
/// What synthetic funnel traffic <see cref="TrafficGenerator"/> produces: volume, dimensions, stage
/// conversion rates, costs, deal sizes, delays, imperfections (duplicates, disorder, late and bad
/// records) and injected leaks. The generator copies the values when it is constructed.
/// </summary>
/// <remarks>
/// <para>Defaults: <see cref="Seed"/> 1; <see cref="Start"/> 2026-03-02T00:00:00Z; <see cref="Duration"/> 1 day;
/// <see cref="EventsPerSecond"/> 50; campaigns <c>spring-sale, webinar-q4, brand, retargeting, product-launch</c>;
/// channels (name, source, share, pricing) <c>linkedin</c> (paid, 20 %, $5.80 per click),
/// <c>google_ads</c> (paid, 30 %, $2.70 per click), <c>facebook</c> (paid, 15 %, $8.50 per 1000 impressions),
/// <c>email</c> (email, 15 %, no per-event cost, $25 a day per campaign reported as <c>spend</c>),
/// <c>organic</c> (organic, 15 %, free), <c>partner</c> (referral, 5 %, $40 a day per campaign);
/// segments (share, deal size factor) <c>smb</c> (55 %, 0.4), <c>mid_market</c> (30 %, 1), <c>enterprise</c> (15 %, 3.5);
/// conversion <c>impression &gt; click</c> 2 %, <c>click &gt; lead</c> 7 %, <c>lead &gt; mql</c> 40 %,
/// <c>mql &gt; sql</c> 20 % (seed 000's benchmark of concern is 13 %), <c>sql &gt; opportunity</c> 50 %,
/// <c>opportunity &gt; won</c> 25 % (the other opportunities end <c>lost</c>); after a win, an
/// <c>expansion</c> with probability 30 % and, at the renewal date, <c>renewal</c> 80 % or <c>churn</c>;
/// deal amounts log-normal, median $10,000 times the segment factor, sigma 0.8, whole dollars;
/// spend reports every day; every imperfection off; no leaks.</para>
/// <para>Delays between stages are log-normal (median, capped at 20 times the median), all multiplied by
/// <see cref="StageDelayScale"/>: impression to click 3 s; click to lead 90 s; lead to mql 2 h;
/// mql to sql 1 day; sql to opportunity 3 days; opportunity to won/lost 14 days; won to expansion
/// 120 days; won to renewal/churn 365 days. Nothing at or after <see cref="Start"/> + <see cref="Duration"/>
/// is emitted, so a journey started near the end simply stops there.</para>
/// </remarks>
public sealed class TrafficOptions
{
    /// <summary>The seed: the same options and seed give the same records, byte for byte (on the same runtime and platform). Default 1.</summary>
    public long Seed { get; set; } = 1;

    /// <summary>
    /// The event time of the beginning of the traffic. Default 2026-03-02T00:00:00Z, a fixed instant so
    /// that output is reproducible; a live demo sets it to the current time (the worker rejects events
    /// older than 30 days as <c>too_old</c>).
    /// </summary>
    public DateTimeOffset Start { get; set; } = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How much event time the traffic covers; events at or after <see cref="Start"/> + Duration are not emitted. Default 1 day.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The mean rate of valid events per second of event time (not of wall-clock time: the generator
    /// runs as fast as it can). Impressions arrive as a Poisson process at the rate that yields this many
    /// events in total given the conversion rates (about 97 % of the events are impressions with the
    /// default 2 % CTR); journeys cut off at the end of <see cref="Duration"/> and spend reports make the
    /// real count somewhat lower or higher. Default 50.
    /// </summary>
    public double EventsPerSecond { get; set; } = 50;

    /// <summary>The <c>campaign</c> values, chosen uniformly per impression (a journey keeps its impression's campaign).</summary>
    public IList<string> Campaigns { get; set; } = ["spring-sale", "webinar-q4", "brand", "retargeting", "product-launch"];

    /// <summary>The channels, chosen by weight per impression; see the class remarks for the defaults.</summary>
    public IList<ChannelOptions> Channels { get; set; } =
    [
        new() { Name = "linkedin", Source = "paid", Weight = 0.20, Pricing = ChannelPricing.CostPerClick, Price = 5.80m },
        new() { Name = "google_ads", Source = "paid", Weight = 0.30, Pricing = ChannelPricing.CostPerClick, Price = 2.70m },
        new() { Name = "facebook", Source = "paid", Weight = 0.15, Pricing = ChannelPricing.CostPerMille, Price = 8.50m },
        new() { Name = "email", Source = "email", Weight = 0.15, DailySpend = 25m },
        new() { Name = "organic", Source = "organic", Weight = 0.15 },
        new() { Name = "partner", Source = "referral", Weight = 0.05, DailySpend = 40m },
    ];

    /// <summary>The <c>segment</c> values, chosen by weight per impression; see the class remarks for the defaults.</summary>
    public IList<SegmentOptions> Segments { get; set; } =
    [
        new() { Name = "smb", Weight = 0.55, DealSizeFactor = 0.4 },
        new() { Name = "mid_market", Weight = 0.30, DealSizeFactor = 1.0 },
        new() { Name = "enterprise", Weight = 0.15, DealSizeFactor = 3.5 },
    ];

    /// <summary>Probability that an impression is clicked (CTR). Default 0.02.</summary>
    public double ClickThroughRate { get; set; } = 0.02;

    /// <summary>Probability that a click becomes a lead. Default 0.07.</summary>
    public double ClickToLeadRate { get; set; } = 0.07;

    /// <summary>Probability that a lead becomes marketing qualified. Default 0.40.</summary>
    public double LeadToMqlRate { get; set; } = 0.40;

    /// <summary>Probability that an MQL becomes sales qualified. Default 0.20 (a benchmark of concern is 0.13).</summary>
    public double MqlToSqlRate { get; set; } = 0.20;

    /// <summary>Probability that an SQL becomes an opportunity. Default 0.50.</summary>
    public double SqlToOpportunityRate { get; set; } = 0.50;

    /// <summary>Probability that an opportunity is won; otherwise it is <c>lost</c>. Default 0.25.</summary>
    public double OpportunityToWonRate { get; set; } = 0.25;

    /// <summary>Probability that a won customer later expands (an <c>expansion</c> event). Default 0.30.</summary>
    public double ExpansionRate { get; set; } = 0.30;

    /// <summary>Probability that a won customer renews at the renewal date (<c>renewal</c>); otherwise <c>churn</c>. Default 0.80.</summary>
    public double RenewalRate { get; set; } = 0.80;

    /// <summary>The median deal amount in USD before the segment's factor (<c>amount</c> of won, lost, renewal, churn). Default 10,000.</summary>
    public decimal DealAmountMedian { get; set; } = 10_000m;

    /// <summary>The log-normal shape of deal amounts (sigma of the underlying normal). Default 0.8.</summary>
    public double DealAmountSigma { get; set; } = 0.8;

    /// <summary>
    /// Multiplies every delay between stages (see the class remarks). Default 1 (realistic: days to
    /// months for the bottom of the funnel); e.g. 0.001 compresses a quarter into about two hours, for demos and tests.
    /// </summary>
    public double StageDelayScale { get; set; } = 1;

    /// <summary>How often each campaign and channel with a <see cref="ChannelOptions.DailySpend"/> reports spend, counted from <see cref="Start"/>; each report's <c>ts</c> is one second before its interval ends. Default 1 day.</summary>
    public TimeSpan SpendReportInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Probability that a valid event writes <c>ts</c> as integer epoch milliseconds instead of an RFC 3339 string. Default 0.</summary>
    public double NumericTimestampRate { get; set; }

    /// <summary>
    /// Prepended to every event and journey id (<c>e-1</c>, <c>j-1</c>, <c>x-1</c> for bad records), so that
    /// several runs can share a topic without their ids colliding; letters, digits, <c>.</c>, <c>_</c>,
    /// <c>:</c> and <c>-</c>, at most 32 characters. Default empty.
    /// </summary>
    public string IdPrefix { get; set; } = "";

    /// <summary>Probability that a valid (or late) record is sent again, same key and bytes, 0 to <see cref="DuplicateMaxDelay"/> later (a producer retry). Default 0.</summary>
    public double DuplicateRate { get; set; }

    /// <summary>The longest delay of a duplicate after the record it repeats. Default 30 seconds.</summary>
    public TimeSpan DuplicateMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Arrival disorder: each record arrives at its event time plus a uniform delay of up to this much,
    /// and records are emitted in arrival order, so a record's <c>ts</c> is never more than this behind
    /// the newest <c>ts</c> emitted before it (late records excepted). <c>ts</c> stays the event time. Default 0 (in order).
    /// </summary>
    public TimeSpan OutOfOrderJitter { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Probability that a valid event arrives late: <see cref="LateDelayMin"/> to <see cref="LateDelayMax"/>
    /// after its event time instead of on time, but always before <see cref="Start"/> + <see cref="Duration"/>
    /// (so events in the last <see cref="LateDelayMin"/> are never late), so that later traffic has moved the watermark past it. Default 0.
    /// </summary>
    public double LateRate { get; set; }

    /// <summary>The shortest delay of a late record; must exceed 5 minutes (the default allowed lateness) plus <see cref="OutOfOrderJitter"/>. Default 10 minutes.</summary>
    public TimeSpan LateDelayMin { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest delay of a late record. Default 1 hour.</summary>
    public TimeSpan LateDelayMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Probability, per valid event, that a malformed record is inserted next to it (the valid event is
    /// still sent): invalid or truncated JSON, not an object, missing or empty id, unknown type, negative
    /// cost, cost as a string, bad ts (not a date, no zone, impossible date, a fraction of epoch ms),
    /// missing journey on a lead stage, a currency other than USD, a duplicated field. Default 0.
    /// </summary>
    public double BadRecordRate { get; set; }

    /// <summary>Leaks to inject (see <see cref="LeakOptions"/>). Default none.</summary>
    public IList<LeakOptions> Leaks { get; set; } = [];
}
