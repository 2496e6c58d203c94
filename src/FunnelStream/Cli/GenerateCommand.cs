using System.CommandLine;
using System.Globalization;
using FunnelStream.Generator;
using FunnelStream.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FunnelStream.Cli;

/// <summary><c>generate</c>: synthetic funnel traffic to a JSONL file or to Kafka.</summary>
internal static class GenerateCommand
{
    internal sealed record TrafficArgs(
        Option<long> Seed, Option<string?> Start, Option<string> Duration, Option<double> Rate, Option<double> Duplicates,
        Option<string> Jitter, Option<double> Late, Option<double> Bad, Option<double> StageDelayScale, Option<string[]> Leak)
    {
        public IEnumerable<Option> All => [Seed, Start, Duration, Rate, Duplicates, Jitter, Late, Bad, StageDelayScale, Leak];

        public static TrafficArgs Create(string defaultDuration, double defaultRate, double defaultDuplicates, double defaultBad, double defaultStageDelayScale) => new(
            new Option<long>("--seed") { Description = "Random seed; the same seed gives the same events", DefaultValueFactory = _ => 1 },
            new Option<string?>("--start") { Description = "Event time of the first event, RFC 3339 (default: now for Kafka, now minus --duration for a file)" },
            new Option<string>("--duration") { Description = "Span of event time to generate (e.g. 10m, 1h, 7d)", DefaultValueFactory = _ => defaultDuration },
            new Option<double>("--rate") { Description = "Events per second of event time, on average", DefaultValueFactory = _ => defaultRate },
            new Option<double>("--duplicates") { Description = "Fraction of events re-sent as producer retries (same id)", DefaultValueFactory = _ => defaultDuplicates },
            new Option<string>("--jitter") { Description = "Out-of-order arrival: events shuffled within this much event time (e.g. 30s)", DefaultValueFactory = _ => "0s" },
            new Option<double>("--late") { Description = "Fraction of events that arrive later than the 5 min allowed lateness", DefaultValueFactory = _ => 0 },
            new Option<double>("--bad") { Description = "Fraction of malformed records (invalid JSON, missing fields, negative cost, ...)", DefaultValueFactory = _ => defaultBad },
            new Option<double>("--stage-delay-scale") { Description = "Multiplies the delays between stages (realistic: 1; hours become seconds at 0.001)", DefaultValueFactory = _ => defaultStageDelayScale },
            new Option<string[]>("--leak") { Description = "Inject a leak: FROM:TO:FACTOR[:campaign=NAME|channel=NAME][@RFC3339-START[/RFC3339-END]], e.g. mql:sql:0.3:campaign=brand@2026-03-03T00:00:00Z/2026-03-03T12:00:00Z", AllowMultipleArgumentsPerToken = false });

        public TrafficOptions ToOptions(ParseResult parse, DateTimeOffset defaultStart)
        {
            TimeSpan duration = Durations.Parse(parse.GetValue(Duration)!, "--duration");
            string? start = parse.GetValue(Start);
            double rate = parse.GetValue(Rate);
            if (rate is <= 0 or > 10_000_000 || !double.IsFinite(rate))
                throw new ArgumentException($"--rate: must be a positive number of events per second (got {rate})");
            foreach ((string name, double p) in new[] { ("--duplicates", parse.GetValue(Duplicates)), ("--late", parse.GetValue(Late)), ("--bad", parse.GetValue(Bad)) })
            {
                if (p is < 0 or > 1 || !double.IsFinite(p))
                    throw new ArgumentException($"{name}: must be a fraction between 0 and 1 (got {p})");
            }
            double scale = parse.GetValue(StageDelayScale);
            if (scale is <= 0 || !double.IsFinite(scale))
                throw new ArgumentException($"--stage-delay-scale: must be positive (got {scale})");
            return new TrafficOptions
            {
                Seed = parse.GetValue(Seed),
                Start = start is null ? defaultStart : DateTimeOffset.Parse(start, CultureInfo.InvariantCulture),
                Duration = duration,
                EventsPerSecond = rate,
                DuplicateRate = parse.GetValue(Duplicates),
                OutOfOrderJitter = Durations.Parse(parse.GetValue(Jitter)!, "--jitter"),
                LateRate = parse.GetValue(Late),
                BadRecordRate = parse.GetValue(Bad),
                StageDelayScale = scale,
                Leaks = (parse.GetValue(Leak) ?? []).Select(ParseLeak).ToList(),
            };
        }

        private static LeakOptions ParseLeak(string text)
        {
            string spec = text;
            DateTimeOffset from = DateTimeOffset.MinValue;
            DateTimeOffset until = DateTimeOffset.MaxValue;
            int at = spec.IndexOf('@');
            if (at >= 0)
            {
                // @START or @START/END (an ISO 8601 interval): the leak recovers at END.
                string[] times = spec[(at + 1)..].Split('/', 2);
                if (!DateTimeOffset.TryParse(times[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
                    throw new ArgumentException($"--leak: '{times[0]}' is not an RFC 3339 time");
                if (times.Length == 2 && !DateTimeOffset.TryParse(times[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out until))
                    throw new ArgumentException($"--leak: '{times[1]}' is not an RFC 3339 time");
                spec = spec[..at];
            }
            string[] parts = spec.Split(':');
            if (parts.Length is < 3 or > 4 || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) || factor < 0)
                throw new ArgumentException($"--leak: '{text}' is not FROM:TO:FACTOR[:campaign=NAME|channel=NAME][@START[/END]]");
            var leak = new LeakOptions { From = parts[0], To = parts[1], Factor = factor, Start = from, End = until };
            if (parts.Length == 4)
            {
                string[] kv = parts[3].Split('=', 2);
                if (kv.Length != 2 || kv[0] is not ("campaign" or "channel"))
                    throw new ArgumentException($"--leak: filter '{parts[3]}' must be campaign=NAME or channel=NAME");
                if (kv[0] == "campaign")
                    leak.Campaign = kv[1];
                else
                    leak.Channel = kv[1];
            }
            return leak;
        }
    }

    public static Command Create()
    {
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write JSONL here" };
        var bootstrap = new Option<string?>("--bootstrap-servers", "-b") { Description = "Produce to the input topics of this Kafka" };
        var realtime = new Option<bool>("--realtime") { Description = "With Kafka: send each event when the wall clock reaches its event time (default when --start is not given)" };
        TrafficArgs traffic = TrafficArgs.Create("1h", 50, 0, 0, 1);
        var command = new Command("generate", "Generate synthetic funnel traffic (impressions to won deals, costs, spend reports) to a JSONL file or to Kafka")
        {
            output, bootstrap, realtime,
        };
        foreach (Option o in traffic.All)
            command.Options.Add(o);
        command.SetAction(async (parse, _) =>
        {
            FileInfo? file = parse.GetValue(output);
            string? servers = parse.GetValue(bootstrap);
            if ((file is null) == (servers is null))
                throw new ArgumentException("generate: give exactly one of --output FILE or --bootstrap-servers HOSTS");
            TimeSpan duration = Durations.Parse(parse.GetValue(traffic.Duration)!, "--duration");
            if (file is not null)
            {
                TrafficOptions options = traffic.ToOptions(parse, DateTimeOffset.UtcNow - duration);
                long n = JsonLinesWriter.WriteFile(new TrafficGenerator(options).Generate(), file.FullName);
                Console.Error.WriteLine($"generate: {n} records to {file.FullName}");
                return 0;
            }
            bool paced = parse.GetValue(realtime) || parse.GetValue(traffic.Start) is null;
            TrafficOptions kafkaOptions = traffic.ToOptions(parse, DateTimeOffset.UtcNow);
            using ILoggerFactory loggers = Logs.Create(new ConfigurationBuilder().Build());
            using var stop = new StopSignal();
            long sent = await TrafficPublisher.PublishAsync(new TrafficGenerator(kafkaOptions).Generate(), servers!, paced,
                loggers.CreateLogger("FunnelStream.Generate"), stop.Token);
            Console.Error.WriteLine($"generate: {sent} records to {servers}");
            return 0;
        });
        return command;
    }
}
