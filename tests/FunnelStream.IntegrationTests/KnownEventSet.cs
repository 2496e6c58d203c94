using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// A known set of records for the reliability tests: good events across the three input topics
/// (keyed by journey, or by id without one, as the contract asks), producer-style retries (the same
/// record again), and bad records; with the exact counts a correct worker must end up with,
/// computed here from the set itself, independently of the engine. Test helper.
/// </summary>
internal sealed class KnownEventSet
{
    private static readonly string[] Types = ["impression", "click", "click", "lead", "mql", "sql", "opportunity", "won", "spend"];
    private static readonly string[] Campaigns = ["spring", "summer", "autumn", "winter", "brand"];
    private static readonly string[] Channels = ["linkedin", "google_ads", "email"];

    /// <summary>A set of <paramref name="good"/> events from <paramref name="seed"/>, starting 2 h before <paramref name="now"/>, <paramref name="spacing"/> apart (default 500 ms).</summary>
    public KnownEventSet(int seed, int good, double retryRate, double badRate, DateTimeOffset now, TimeSpan? spacing = null)
    {
        double spacingMs = (spacing ?? TimeSpan.FromMilliseconds(500)).TotalMilliseconds;
        var rng = new Random(seed);
        DateTimeOffset start = now.AddHours(-2);
        var expected = new Dictionary<(string Stage, string Campaign, string Channel), long>();
        var goodRecords = new List<(string Topic, string? Key, string Json)>();
        int bad = 0;
        for (int i = 0; i < good; i++)
        {
            string type = Types[rng.Next(Types.Length)];
            string campaign = Campaigns[rng.Next(Campaigns.Length)];
            string channel = Channels[rng.Next(Channels.Length)];
            string ts = start.AddMilliseconds(i * spacingMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            bool journey = type is not ("impression" or "click" or "spend");
            string journeyId = $"j-{rng.Next(good / 4 + 1)}";
            string money = type switch
            {
                "won" => $",\"amount\":{rng.Next(100, 9000)}",
                "click" or "spend" => $",\"cost\":{rng.Next(1, 300) / 100.0:0.00}",
                _ => "",
            };
            string json = $"{{\"id\":\"e-{seed}-{i}\",\"type\":\"{type}\",\"ts\":\"{ts}\",\"campaign\":\"{campaign}\",\"channel\":\"{channel}\""
                + (journey ? $",\"journey\":\"{journeyId}\"" : "") + money + "}";
            string topic = type switch
            {
                "lead" or "mql" or "sql" => "funnel.leads",
                "opportunity" or "won" => "funnel.deals",
                _ => "funnel.clicks",
            };
            var record = (topic, journey ? journeyId : $"e-{seed}-{i}", json);
            Records.Add(record);
            goodRecords.Add(record);
            expected[(type, campaign, channel)] = expected.GetValueOrDefault((type, campaign, channel)) + 1;
            // A retry re-sends a recent record unchanged: same key, so same partition, so the dedup sees it.
            if (rng.NextDouble() < retryRate)
            {
                Records.Add(goodRecords[Math.Max(0, goodRecords.Count - 1 - rng.Next(20))]);
                Retries++;
            }
            if (rng.NextDouble() < badRate)
            {
                Records.Add(("funnel.clicks", $"bad-{bad}", bad % 2 == 0 ? $"{{\"id\":\"bad-{bad}\",\"type\":" : $"{{\"id\":\"bad-{bad}\",\"type\":\"teleport\",\"ts\":\"{ts}\"}}"));
                bad++;
            }
        }
        Expected = expected;
        Bad = bad;
    }

    /// <summary>Every record in produce order.</summary>
    public List<(string Topic, string? Key, string Json)> Records { get; } = [];

    /// <summary>Counted events per (stage, campaign, channel).</summary>
    public IReadOnlyDictionary<(string Stage, string Campaign, string Channel), long> Expected { get; }

    public long ExpectedTotal => Expected.Values.Sum();

    /// <summary>Bad records in the set (each must be dead-lettered).</summary>
    public int Bad { get; }

    /// <summary>Repeated records in the set (each must count once).</summary>
    public int Retries { get; }

    /// <summary>Produces <paramref name="records"/> and waits for every acknowledgement.</summary>
    public static async Task ProduceAsync(string bootstrapServers, IEnumerable<(string Topic, string? Key, string Json)> records)
    {
        using IProducer<string?, byte[]> producer = new ProducerBuilder<string?, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
        }).Build();
        var pending = records.Select(r => producer.ProduceAsync(r.Topic, new Message<string?, byte[]> { Key = r.Key, Value = Encoding.UTF8.GetBytes(r.Json) })).ToList();
        await Task.WhenAll(pending);
    }

    /// <summary>Differences between <paramref name="metrics"/> and the expected counts, one line each; empty when they agree exactly.</summary>
    public List<string> Differences(ScrapedMetrics metrics)
    {
        var diffs = new List<string>();
        foreach (((string stage, string campaign, string channel), long count) in Expected)
        {
            double got = metrics.Value("funnel_events_total", ("stage", stage), ("campaign", campaign), ("channel", channel)) ?? 0;
            if (got != count)
                diffs.Add($"{stage}/{campaign}/{channel}: expected {count}, got {got}");
        }
        double total = metrics.Sum("funnel_events_total");
        if (total != ExpectedTotal)
            diffs.Add($"total: expected {ExpectedTotal}, got {total}");
        return diffs;
    }

    /// <summary>The distinct (source topic, partition, offset) of the records on the dead-letter topic; retried dead letters collapse.</summary>
    public static HashSet<string> DeadLetterSources(string bootstrapServers, string topic = "funnel.dlq") =>
        [.. DeadLetterHeaders(bootstrapServers, topic).Select(h =>
        {
            string H(string name) => Encoding.UTF8.GetString(h.GetLastBytes(name));
            return $"{H("funnelstream-source-topic")}/{H("funnelstream-source-partition")}/{H("funnelstream-source-offset")}";
        })];

    /// <summary>The headers of every record on the dead-letter topic, partition by partition in offset order.</summary>
    public static List<Headers> DeadLetterHeaders(string bootstrapServers, string topic = "funnel.dlq")
    {
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        using IAdminClient admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)).ToList();
        consumer.Assign(partitions);
        var headers = new List<Headers>();
        int eof = 0;
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (eof < partitions.Count && DateTime.UtcNow < until)
        {
            ConsumeResult<byte[], byte[]>? r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null)
                continue;
            if (r.IsPartitionEOF)
            {
                eof++;
                continue;
            }
            headers.Add(r.Message.Headers);
        }
        return headers;
    }
}
