using System.Diagnostics;
using System.Globalization;
using System.Text;
using FunnelStream.Tests.Reference;

namespace FunnelStream.Tests.Journeys;

/// <summary>
/// An independent computation, in SQL run by the <c>sqlite3</c> command-line tool (3.40+, JSON1 built
/// in), of journey-based conversion, time to convert and sales cycle, to check <c>JourneyStore</c>. The
/// journey logic is all SQL (self-joins of first times on <c>journey</c>); C# only writes the script, runs
/// <c>sqlite3</c> and parses its CSV output.
/// </summary>
/// <remarks>
/// <para><b>Semantics</b>, over a JSON Lines file whose lines are valid events (the contract: <c>id</c>,
/// <c>type</c>, <c>ts</c> as RFC 3339 or epoch ms, <c>journey</c>): lines with an <c>id</c> seen on an
/// earlier line are dropped; a time is the epoch second floor(ms / 1000); per journey and ordered stage
/// the first time is the minimum; for each adjacent pair (a, b) of
/// impression &gt; click &gt; lead &gt; mql &gt; sql &gt; opportunity &gt; won, a journey with a first a is
/// entered in cohort floor(t(a) / cohort) and converted when t(a) ≤ t(b) ≤ t(a) + window
/// (ClickHouse <c>windowFunnel</c> over first times); its time to convert is t(b) − t(a). The sales cycle
/// of a journey with a lead and a won, won not before lead, is t(won) − t(lead). A cohort is mature
/// when (cohort end + window) seconds ≤ floor((newest ms − lateness) / 1000).</para>
/// <para>Not modelled: expiry after a window of inactivity and eviction at the cap (compare with a store
/// large enough, on data where a journey does not come back after its window), lateness (feed in-order data).</para>
/// </remarks>
public static class JourneySqlReference
{
    private static readonly string[] Ordered = ["impression", "click", "lead", "mql", "sql", "opportunity", "won"];

    /// <summary>One cohort of one adjacent pair (<paramref name="Pair"/> = index of its from-stage).</summary>
    public readonly record struct Cohort(int Pair, long StartMs, long Entered, long Converted, bool Mature);

    /// <summary>A histogram: cumulative counts per bound and <c>+Inf</c>, sum and count, in seconds.</summary>
    public sealed record Histogram(IReadOnlyList<long> Cumulative, long SumSeconds, long Count);

    /// <summary>The reference's results.</summary>
    public sealed record Result(IReadOnlyList<Cohort> Cohorts, IReadOnlyList<Histogram> TimeToConvert, Histogram SalesCycle);

    /// <summary>Computes the reference for <paramref name="jsonlPath"/> (see the class remarks).</summary>
    /// <exception cref="InvalidOperationException"><c>sqlite3</c> is not on PATH, or it failed (the message carries its stderr).</exception>
    public static Result Compute(string jsonlPath, TimeSpan window, TimeSpan cohort, TimeSpan lateness,
        IReadOnlyList<double> timeToConvertBounds, IReadOnlyList<double> salesCycleBounds)
    {
        string path = Path.GetFullPath(jsonlPath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"the JSONL input '{path}' does not exist", path);
        if (path.AsSpan().IndexOfAny("'\r\n") >= 0)
            throw new ArgumentException($"the path '{path}' contains a quote or a newline", nameof(jsonlPath));
        string csv = Run(BuildScript(path, (long)window.TotalSeconds, (long)cohort.TotalSeconds, (long)lateness.TotalMilliseconds, timeToConvertBounds, salesCycleBounds));
        return Parse(csv, (long)cohort.TotalSeconds, timeToConvertBounds.Count, salesCycleBounds.Count);
    }

    /// <summary>The SQL script (exposed for debugging: pipe it into <c>sqlite3 :memory:</c>).</summary>
    public static string BuildScript(string path, long windowSec, long cohortSec, long latenessMs,
        IReadOnlyList<double> ttcBounds, IReadOnlyList<double> cycleBounds)
    {
        string Values<T>(IEnumerable<T> rows, Func<T, int, string> row) => string.Join(", ", rows.Select((r, i) => "(" + row(r, i) + ")"));
        string B(double b) => b.ToString("R", CultureInfo.InvariantCulture);
        return $"""
            .bail on
            .headers off
            .mode ascii
            .separator "\037" "\n"
            CREATE TABLE raw(line TEXT);
            .import '{path}' raw
            .mode csv

            -- Epoch ms: an integer is ms already; a string is RFC 3339 (julianday applies the zone).
            CREATE TABLE ev AS
            SELECT rowid AS n,
              json_extract(line, '$.id') AS id,
              json_extract(line, '$.type') AS type,
              json_extract(line, '$.journey') AS journey,
              CASE json_type(line, '$.ts')
                WHEN 'integer' THEN json_extract(line, '$.ts')
                ELSE CAST(round((julianday(json_extract(line, '$.ts')) - 2440587.5) * 86400000.0) AS INTEGER)
              END AS ms
            FROM raw WHERE json_valid(line);

            -- Dedup: the first line of each id.
            CREATE TABLE d AS SELECT * FROM ev WHERE n IN (SELECT min(n) FROM ev GROUP BY id);

            -- First second of each ordered stage per journey.
            CREATE TABLE first AS
            SELECT journey, type, min(ms / 1000) AS t FROM d
            WHERE journey IS NOT NULL AND type IN ({string.Join(", ", Ordered.Select(s => $"'{s}'"))})
            GROUP BY journey, type;
            CREATE INDEX first_jt ON first(journey, type);

            CREATE TABLE pairs(p INTEGER, a TEXT, b TEXT);
            INSERT INTO pairs VALUES {Values(Ordered.Skip(1), (b, i) => $"{i}, '{Ordered[i]}', '{b}'")};

            -- windowFunnel over first times: the self-join on journey.
            CREATE TABLE conv AS
            SELECT p.p, fa.journey, fa.t AS ta, fb.t AS tb,
              (fb.t IS NOT NULL AND fb.t >= fa.t AND fb.t - fa.t <= {windowSec}) AS converted
            FROM pairs p
            JOIN first fa ON fa.type = p.a
            LEFT JOIN first fb ON fb.journey = fa.journey AND fb.type = p.b;

            CREATE TABLE cycle AS
            SELECT l.journey, w.t - l.t AS secs FROM first l JOIN first w ON w.journey = l.journey AND w.type = 'won'
            WHERE l.type = 'lead' AND w.t >= l.t;

            CREATE TABLE ttc_le(i INTEGER, le REAL);
            INSERT INTO ttc_le VALUES {Values(ttcBounds, (b, i) => $"{i}, {B(b)}")}, ({ttcBounds.Count}, 9e999);
            CREATE TABLE cycle_le(i INTEGER, le REAL);
            INSERT INTO cycle_le VALUES {Values(cycleBounds, (b, i) => $"{i}, {B(b)}")}, ({cycleBounds.Count}, 9e999);

            -- cohort,p,cohort index,entered,converted,mature
            SELECT 'cohort', p, ta / {cohortSec}, count(*), sum(converted),
              (ta / {cohortSec} + 1) * {cohortSec} + {windowSec} <= (SELECT (max(ms) - {latenessMs}) / 1000 FROM d)
            FROM conv GROUP BY p, ta / {cohortSec} ORDER BY p, ta / {cohortSec};
            -- ttc,p,bucket,cumulative count
            SELECT 'ttc', p.p, b.i, (SELECT count(*) FROM conv c WHERE c.p = p.p AND c.converted AND c.tb - c.ta <= b.le)
            FROM pairs p, ttc_le b ORDER BY p.p, b.i;
            -- ttcsum,p,sum,count
            SELECT 'ttcsum', p.p, (SELECT coalesce(sum(tb - ta), 0) FROM conv c WHERE c.p = p.p AND c.converted),
              (SELECT count(*) FROM conv c WHERE c.p = p.p AND c.converted)
            FROM pairs p ORDER BY p.p;
            SELECT 'cycle', 0, b.i, (SELECT count(*) FROM cycle c WHERE c.secs <= b.le) FROM cycle_le b ORDER BY b.i;
            SELECT 'cyclesum', 0, coalesce(sum(secs), 0), count(*) FROM cycle;

            """;
    }

    private static Result Parse(string csv, long cohortSec, int ttcBuckets, int cycleBuckets)
    {
        var cohorts = new List<Cohort>();
        var ttc = Enumerable.Range(0, Ordered.Length - 1).Select(_ => new List<long>()).ToArray();
        var ttcSum = new (long Sum, long Count)[Ordered.Length - 1];
        var cycle = new List<long>();
        (long Sum, long Count) cycleSum = default;
        foreach (string line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] f = line.Split(',');
            long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            int p = (int)L(1);
            switch (f[0])
            {
                case "cohort": cohorts.Add(new Cohort(p, L(2) * cohortSec * 1000, L(3), L(4), L(5) != 0)); break;
                case "ttc": ttc[p].Add(L(3)); break;
                case "ttcsum": ttcSum[p] = (L(2), L(3)); break;
                case "cycle": cycle.Add(L(3)); break;
                case "cyclesum": cycleSum = (L(2), L(3)); break;
                default: throw new InvalidOperationException($"unexpected sqlite3 output line: {line}");
            }
        }
        if (ttc.Any(h => h.Count != ttcBuckets + 1) || cycle.Count != cycleBuckets + 1)
            throw new InvalidOperationException($"sqlite3 output is missing histogram rows:\n{csv}");
        return new Result(
            cohorts,
            ttc.Select((h, p) => new Histogram(h, ttcSum[p].Sum, ttcSum[p].Count)).ToArray(),
            new Histogram(cycle, cycleSum.Sum, cycleSum.Count));
    }

    private static string Run(string script)
    {
        // Fails with an install hint when sqlite3 is missing.
        var start = new ProcessStartInfo(SqliteReference.Sqlite3Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("-batch");
        start.ArgumentList.Add("-bail");
        start.ArgumentList.Add(":memory:");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{start.FileName}'");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill();
            throw new InvalidOperationException("sqlite3 did not finish within 5 minutes");
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || stderr.Result.Length > 0)
            throw new InvalidOperationException($"sqlite3 failed (exit code {process.ExitCode}): {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
