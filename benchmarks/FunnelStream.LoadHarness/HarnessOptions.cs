using System.Globalization;

namespace FunnelStream.LoadHarness;

/// <summary>Command-line options of the harness (see benchmarks/README.md).</summary>
internal sealed class HarnessOptions
{
    /// <summary>Events pre-loaded and read by B1, P and E2E. Default 1,200,000 (60 partitions of 20,000: rows of several seconds); 3,000 in smoke mode.</summary>
    public int Events { get; private set; } = 1_200_000;

    /// <summary>Partitions of the pre-loaded topic; default one per 20,000 events (the embedded broker keeps ~5 MB per partition).</summary>
    public int Partitions { get; private set; }

    /// <summary>Rounds of the throughput rows (B1, B1f, P, E2E), each row once per round in turn; rows report their median round. Default 3; 1 in smoke mode.</summary>
    public int Rounds { get; private set; }

    /// <summary>Tiny run for the test suite: few events, short freshness phase, no scraping-off run.</summary>
    public bool Smoke { get; private set; }

    /// <summary>Length of the E2E freshness phase at half the maximum rate, in minutes (the long GC run); default 10 s.</summary>
    public double? Minutes { get; private set; }

    /// <summary>Where to write the JSON report; none by default.</summary>
    public string? JsonPath { get; private set; }

    /// <summary>Where to draw the PNG chart (needs /usr/bin/python3 with matplotlib); none by default.</summary>
    public string? ChartPath { get; private set; }

    /// <summary>The Python interpreter of the peer (Debian's, with python3-confluent-kafka).</summary>
    public string Python { get; private set; } = "/usr/bin/python3";

    /// <summary>Freshness rate, events/s; default half the E2E maximum just measured (the scraping row).</summary>
    public double? FreshRate { get; private set; }

    /// <summary>Whether the worker of the scraping row and the freshness phase keeps checkpoints (default); <c>--no-checkpoints</c> to see what they cost there.</summary>
    public bool FreshCheckpoints { get; private set; } = true;

    public TimeSpan FreshnessDuration => Minutes is { } m ? TimeSpan.FromMinutes(m) : Smoke ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10);

    public static HarnessOptions Parse(string[] args)
    {
        var o = new HarnessOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]}: a value is required");
            switch (args[i])
            {
                case "--events": o.Events = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--partitions": o.Partitions = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--smoke": o.Smoke = true; break;
                case "--rounds": o.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--minutes": o.Minutes = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--json": o.JsonPath = Next(); break;
                case "--chart": o.ChartPath = Next(); break;
                case "--fresh-rate": o.FreshRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--python": o.Python = Next(); break;
                case "--no-checkpoints": o.FreshCheckpoints = false; break;
                default: throw new ArgumentException($"unknown option {args[i]}; options: --events N --partitions N --rounds N --smoke --minutes M --json FILE --chart FILE.png --fresh-rate N --no-checkpoints --python PATH");
            }
        }
        if (o.Smoke && !args.Contains("--events"))
            o.Events = 3_000;
        if (o.Rounds == 0)
            o.Rounds = o.Smoke ? 1 : 3;
        if (o.Rounds is < 1 or > 20)
            throw new ArgumentException("--rounds: 1-20");
        if (o.Events < 100)
            throw new ArgumentException("--events: at least 100");
        if (o.Partitions == 0)
            o.Partitions = Math.Clamp((o.Events + 19_999) / 20_000, 3, 64);
        if (o.Partitions is < 1 or > 64)
            throw new ArgumentException("--partitions: 1-64");
        if ((long)o.Events / o.Partitions > 25_000)
            throw new ArgumentException($"--events {o.Events} over {o.Partitions} partitions exceeds the embedded broker's ~5 MB per partition; use at most 64 partitions x 25,000");
        return o;
    }
}
