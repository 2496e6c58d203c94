using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FunnelStream.Tests.Reference;

/// <summary>
/// An independent computation of the replay contract in SQL, run by the <c>sqlite3</c> command-line
/// tool (3.40+, JSON1 built in), to check <c>funnelstream replay</c> row for row. The computation is
/// all SQL (window functions for dedup and the watermark); C# only writes the script, runs
/// <c>sqlite3</c> and parses its CSV output.
/// </summary>
/// <remarks>
/// <para><b>Output contract</b> (the replay implementation follows it). One row per tumbling window,
/// breakdown and metric, for every window and breakdown with at least one counted event, ordered by
/// window start, then the breakdown values (ordinal, dimension by dimension), then the metric in this order:</para>
/// <list type="number">
/// <item><c>events.&lt;stage&gt;</c> for every stage of the default funnel and <c>spend</c>, in this order:
/// impression, click, lead, mql, sql, opportunity, won, lost, renewal, expansion, churn, spend.
/// <b>Zeros are included</b>: all 12 count rows are always present for a window and breakdown that has
/// rows at all, so that consumers see explicit zeros.</item>
/// <item><c>spend</c>: the sum of <c>cost</c> over all counted events, <c>spend</c> reports included (money).</item>
/// <item><c>revenue</c>: the sum of <c>amount</c> over counted <c>won</c> events (money; 0 when none); then
/// <c>expansion_revenue</c> and <c>churned_revenue</c>, the same over <c>expansion</c> and <c>churn</c>.</item>
/// <item><c>ctr</c> = clicks / impressions; <c>cpm</c> = spend / impressions * 1000; <c>cpc</c> = spend / clicks;
/// <c>cpl</c> = spend / leads; <c>cac</c> = spend / won.</item>
/// <item><c>conversion.&lt;from&gt;.&lt;to&gt;</c> = count(to) / count(from) for each adjacent pair of
/// impression &gt; click &gt; lead &gt; mql &gt; sql &gt; opportunity &gt; won, top to bottom, then the named
/// pairs <c>conversion.click.mql</c> and <c>conversion.sql.won</c>.</item>
/// <item>The rest of the catalog of docs/kpis.md, in this order: <c>traffic_to_lead</c>, <c>cpa.&lt;stage&gt;</c>
/// for every stage but spend, <c>win_rate</c>, <c>closed_win_rate</c>, <c>avg_deal_size</c>, <c>mroi</c>,
/// <c>ltv</c>, <c>ltv_cac</c>, <c>cac_payback_months</c>, <c>sales_velocity_per_day</c> (only with a mean
/// sales cycle in <see cref="ReferenceKpiSettings"/>, fixed or from the journeys: the mean over the journeys
/// whose first won event lies in the window and breakdown of (first won second − first lead second), in days), <c>revenue_change</c> and <c>deals_change</c> (against
/// the window of the same size just before, same breakdown; a window without rows counts as zeros),
/// <c>renewal_rate</c>, <c>nrr</c> (only with a base).</item>
/// </list>
/// <para>A KPI (items 4 to 6) whose denominator is 0 has no row. Money is summed exactly in integer
/// micro-units (each value times 10^6, rounded half away from zero) and reported as exact decimal units.
/// Ratios are IEEE doubles computed as <c>(double)numerator / denominator</c>; money ratios exactly as
/// <c>(spend_micros / 1e6) / count</c> and, for cpm, <c>(spend_micros / 1e6) / impressions * 1000</c>, in that
/// order, so that C# doing the same operations gets bit-identical values. sqlite3 prints them with 20
/// significant digits, which parse back to the same double.</para>
/// <para><b>Semantics</b>, in this order, over the lines of the file in file order (empty lines are skipped):</para>
/// <list type="number">
/// <item>Valid lines. Checked: at most 65536 bytes; well-formed JSON whose top level is an object; no
/// contract field (id, type, ts, journey, campaign, channel, source, segment, cost, amount, currency)
/// twice; <c>id</c> a string of 1..128 characters; <c>type</c> one of the 12 names above; <c>ts</c> either a
/// JSON integer (epoch ms) or an RFC 3339 string <c>YYYY-MM-DD(T|t| )HH:MM:SS[.digits](Z|z|±HH:MM)</c> with a
/// real calendar date, hours ≤ 23, minutes ≤ 59, seconds ≤ 60 (a leap second reads as :59.999), the fraction
/// truncated to milliseconds; <c>journey</c> absent/null or a string of 1..128 characters, and required
/// (a string) for lead, mql, sql, opportunity, won, lost, renewal, expansion, churn; <c>cost</c> and
/// <c>amount</c> absent/null or JSON numbers in [0, 1e9]; <c>currency</c> absent/null or the string <c>USD</c>;
/// each requested breakdown dimension absent/null or a string of at most 128 characters (an empty string
/// counts as missing). JSON null means absent for every field.</item>
/// <item>Too old: a valid line whose ts is earlier than (the newest ts of all valid lines − the maximum age,
/// default 30 days) is invalid.</item>
/// <item>Dedup: of the valid lines with one <c>id</c>, only the first in file order is considered.</item>
/// <item>Lateness: the watermark before a considered line is the largest ts of the considered lines
/// before it in file order; a line with ts &lt; watermark − allowed lateness is late and not counted
/// (it cannot advance the watermark, being below it).</item>
/// <item>Windows: start = floor(ts / size) * size in epoch ms (UTC), end = start + size. A missing
/// dimension value is <c>unknown</c>.</item>
/// </list>
/// <para>Not checked (the generator never produces them; the replay parser rejects them): invalid UTF-8,
/// nesting deeper than 16, escaped property names (<c>"\u0069d"</c>), strings holding an escaped lone
/// surrogate, a ts more than 15 minutes in the future (replay measures that from the wall clock), and
/// the exactness of money written with an exponent or with a sign (those are converted through a double,
/// so the [0, 1e9] bound and the micro-unit rounding are approximate for them; plain decimals such as
/// <c>12.345</c> are exact at any number of digits). The dedup horizon (24 h) and the per-dimension value
/// budget of the engine are not modelled: with in-order data they make no difference to the counts.</para>
/// </remarks>
public static class SqliteReference
{
    /// <summary>The breakdown dimensions that may be requested.</summary>
    public static IReadOnlyList<string> KnownDimensions { get; } = ["campaign", "channel", "source", "segment"];

    private static readonly string[] Stages =
        ["impression", "click", "lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn", "spend"];

    private static readonly string[] OrderedFunnel = ["impression", "click", "lead", "mql", "sql", "opportunity", "won"];

    private static readonly string[] JourneyStages = ["lead", "mql", "sql", "opportunity", "won", "lost", "renewal", "expansion", "churn"];

    private static readonly string[] ContractFields =
        ["id", "type", "ts", "journey", "campaign", "channel", "source", "segment", "cost", "amount", "currency"];

    /// <summary>Every metric name, in output order; a window and breakdown has a subset of them (the KPIs with a non-zero denominator).</summary>
    public static IReadOnlyList<string> Metrics => MetricNames;

    private static readonly string[] MetricNames = BuildMetrics(new ReferenceKpiSettings(NrrBaseMicros: 1, MeanSalesCycleDays: 1)).Select(m => m.Name).ToArray();

    /// <summary>Breakdowns compared value by value, UTF-16 ordinal, as replay sorts them.</summary>
    private static readonly IComparer<IReadOnlyList<string>> OrdinalDims = Comparer<IReadOnlyList<string>>.Create((a, b) =>
    {
        for (int i = 0; i < a.Count; i++)
        {
            int c = string.CompareOrdinal(a[i], b[i]);
            if (c != 0)
                return c;
        }
        return 0;
    });

    private static readonly Lazy<string> LazySqlite3 = new(() => FindOnPath("sqlite3", Environment.GetEnvironmentVariable("PATH")));

    /// <summary>The full path of <c>sqlite3</c> on PATH; throws <see cref="InvalidOperationException"/> with an install hint when it is missing.</summary>
    public static string Sqlite3Path => LazySqlite3.Value;

    /// <summary>Computes the replay contract's rows for a JSON Lines file (see the class remarks).</summary>
    /// <param name="jsonlPath">The input, one event per line, in arrival order. Its path must not contain a single quote or a newline.</param>
    /// <param name="windowMs">The tumbling window size in milliseconds, positive.</param>
    /// <param name="by">Breakdown dimensions, in column order: zero or more of campaign, channel, source, segment, each at most once.</param>
    /// <param name="allowedLateness">How far behind the watermark a line may be and still count (replay's default is 5 minutes).</param>
    /// <param name="maxAge">How far before the newest valid ts a line may be; <c>null</c> for 30 days.</param>
    /// <param name="kpis">The KPI constants; <c>null</c> for <see cref="ReferenceKpiSettings.Default"/>.</param>
    /// <param name="spendRestatements">
    /// Spend restatements (FunnelStream:Events:SpendRestatements): per campaign, channel and UTC day of ts, only the
    /// first counted spend line counts, with the cost of the last line of the key that was applied; a later line is
    /// applied unless the first line's ts is older than the watermark before it minus the lateness (then it is late).
    /// Needs <paramref name="by"/> to include campaign and channel.
    /// </param>
    /// <exception cref="InvalidOperationException"><c>sqlite3</c> is not on PATH, or it failed (the message carries its stderr).</exception>
    public static IReadOnlyList<ReferenceRow> Compute(
        string jsonlPath, long windowMs, IReadOnlyList<string> by, TimeSpan allowedLateness, TimeSpan? maxAge = null, ReferenceKpiSettings? kpis = null,
        bool spendRestatements = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonlPath);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        ArgumentOutOfRangeException.ThrowIfLessThan(allowedLateness, TimeSpan.Zero);
        string path = Path.GetFullPath(jsonlPath);
        if (!File.Exists(path))
            throw new FileNotFoundException($"the JSONL input '{path}' does not exist", path);
        if (path.AsSpan().IndexOfAny("'\r\n") >= 0)
            throw new ArgumentException($"the path '{path}' contains a quote or a newline, which sqlite3's .import cannot take", nameof(jsonlPath));
        foreach (string d in by)
        {
            if (!KnownDimensions.Contains(d))
                throw new ArgumentException($"unknown dimension '{d}'; allowed: {string.Join(", ", KnownDimensions)}", nameof(by));
        }
        if (by.Distinct().Count() != by.Count)
            throw new ArgumentException("a dimension appears twice", nameof(by));

        if (spendRestatements && !(by.Contains("campaign") && by.Contains("channel")))
            throw new ArgumentException("spend restatements need campaign and channel among the dimensions", nameof(by));

        string script = BuildScript(path, windowMs, by, (long)allowedLateness.TotalMilliseconds, (long)(maxAge ?? TimeSpan.FromDays(30)).TotalMilliseconds, kpis, spendRestatements);
        string csv = RunSqlite3(script);
        return ParseRows(csv, windowMs, by.Count);
    }

    /// <summary>The rows as replay CSV text: the header <c>window_start,window_end,&lt;by...&gt;,metric,value</c>, then one line per row, each ending in <c>\n</c>.</summary>
    public static string ToCsv(IEnumerable<ReferenceRow> rows, IReadOnlyList<string> by)
    {
        var csv = new StringBuilder();
        csv.Append("window_start,window_end,").Append(string.Concat(by.Select(d => d + ","))).Append("metric,value\n");
        foreach (ReferenceRow row in rows)
            csv.Append(row.ToCsvLine()).Append('\n');
        return csv.ToString();
    }

    /// <summary>The SQL script for one computation (exposed for debugging: pipe it into <c>sqlite3 :memory:</c>).</summary>
    public static string BuildScript(string jsonlPath, long windowMs, IReadOnlyList<string> by, long latenessMs, long maxAgeMs, ReferenceKpiSettings? kpis = null,
        bool spendRestatements = false)
    {
        string[] dims = by.Select((_, i) => $"d{i}").ToArray();
        string dimList = string.Concat(dims.Select(d => d + ", "));
        string In(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));
        var sql = new StringBuilder();
        sql.Append($"""
            .bail on
            .headers off
            .mode ascii
            .separator "\037" "\n"
            CREATE TABLE raw(line TEXT);
            .import '{jsonlPath}' raw

            -- Well-formed JSON objects within the record size limit; n is the line's position in the file.
            CREATE TABLE obj AS
            SELECT rowid AS n, line FROM raw
            WHERE length(CAST(line AS BLOB)) <= 65536
              AND CASE WHEN json_valid(line) THEN json_type(line) = 'object' ELSE 0 END;

            -- The contract's fields: json_type is NULL for an absent field and 'null' for JSON null.
            -- `line -> path` keeps a number's text as written, for exact money.
            CREATE TABLE f AS
            SELECT n,
              json_type(line, '$.id') AS id_t, json_extract(line, '$.id') AS id,
              json_type(line, '$.type') AS type_t, json_extract(line, '$.type') AS type,
              json_type(line, '$.ts') AS ts_t, json_extract(line, '$.ts') AS ts_v,
              json_type(line, '$.journey') AS journey_t, json_extract(line, '$.journey') AS journey,
              json_type(line, '$.cost') AS cost_t, json_extract(line, '$.cost') AS cost_v, line -> '$.cost' AS cost_text,
              json_type(line, '$.amount') AS amount_t, json_extract(line, '$.amount') AS amount_v, line -> '$.amount' AS amount_text,
              json_type(line, '$.currency') AS currency_t, json_extract(line, '$.currency') AS currency,

            """);
        for (int i = 0; i < by.Count; i++)
            sql.Append($"  json_type(line, '$.{by[i]}') AS d{i}_t, json_extract(line, '$.{by[i]}') AS d{i},\n");
        sql.Append($"""
              EXISTS (SELECT 1 FROM json_each(line) WHERE key IN ({In(ContractFields)}) GROUP BY key HAVING count(*) > 1) AS dup_field
            FROM obj;

            -- RFC 3339 strings: the zone is 'Z'/'z' (1 character) or '+HH:MM'/'-HH:MM' (6).
            CREATE TABLE ts_text AS
            SELECT n, s,
              CASE WHEN s GLOB '*[Zz]' THEN 1
                   WHEN length(s) >= 25 AND substr(s, -6, 1) IN ('+', '-') AND substr(s, -5) GLOB '[0-9][0-9]:[0-9][0-9]' THEN 6
              END AS zlen
            FROM (SELECT n, ts_v AS s FROM f WHERE ts_t = 'text');

            -- Epoch ms: whole seconds through unixepoch() (which applies the offset), plus the first three
            -- fraction digits (truncated); a leap second :60 reads as :59.999.
            CREATE TABLE ts_ms AS
            SELECT n,
              unixepoch(substr(s, 1, 10) || ' ' || substr(s, 12, 6) || CASE WHEN sec = 60 THEN '59' ELSE substr(s, 18, 2) END || zone) * 1000
                + CASE WHEN sec = 60 THEN 999 ELSE CAST(substr(substr(frac, 2) || '000', 1, 3) AS INTEGER) END AS ms
            FROM (
              SELECT n, s, zlen,
                CAST(substr(s, 18, 2) AS INTEGER) AS sec,
                substr(s, 20, length(s) - 19 - zlen) AS frac,
                CASE WHEN zlen = 1 THEN '+00:00' ELSE substr(s, -6) END AS zone
              FROM ts_text WHERE zlen IS NOT NULL AND length(s) >= 19 + zlen)
            WHERE substr(s, 1, 10) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
              AND substr(s, 1, 4) <> '0000'
              AND date(substr(s, 1, 10), '+0 days') = substr(s, 1, 10)
              AND substr(s, 11, 1) IN ('T', 't', ' ')
              AND substr(s, 12, 8) GLOB '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
              AND CAST(substr(s, 12, 2) AS INTEGER) <= 23 AND CAST(substr(s, 15, 2) AS INTEGER) <= 59 AND sec <= 60
              AND (frac = '' OR (frac GLOB '.[0-9]*' AND substr(frac, 2) NOT GLOB '*[^0-9]*'))
              AND (zlen = 1 OR (CAST(substr(zone, 2, 2) AS INTEGER) <= 23 AND CAST(substr(zone, 5, 2) AS INTEGER) <= 59));

            -- Valid lines, with ts in epoch ms, money in micro-units and missing dimensions as 'unknown'.
            CREATE TABLE valid AS
            SELECT f.n, f.id, f.type, f.journey,
              CASE f.ts_t WHEN 'integer' THEN f.ts_v ELSE t.ms END AS ts,
              {Micros("cost")} AS cost_micros,
              {Micros("amount")} AS amount_micros
            """);
        for (int i = 0; i < by.Count; i++)
            sql.Append($",\n  coalesce(nullif(f.d{i}, ''), 'unknown') AS d{i}");
        sql.Append($"""

            FROM f LEFT JOIN ts_ms t ON t.n = f.n
            WHERE NOT f.dup_field
              AND f.id_t = 'text' AND length(f.id) BETWEEN 1 AND 128
              AND f.type_t = 'text' AND f.type IN ({In(Stages)})
              AND (f.ts_t = 'integer' OR t.ms IS NOT NULL)
              AND (coalesce(f.journey_t, 'null') = 'null' OR (f.journey_t = 'text' AND length(f.journey) BETWEEN 1 AND 128))
              AND (f.type NOT IN ({In(JourneyStages)}) OR f.journey_t = 'text')
              AND (coalesce(f.cost_t, 'null') = 'null' OR (f.cost_t IN ('integer', 'real') AND f.cost_v >= 0 AND f.cost_v <= 1e9))
              AND (coalesce(f.amount_t, 'null') = 'null' OR (f.amount_t IN ('integer', 'real') AND f.amount_v >= 0 AND f.amount_v <= 1e9))
              AND (coalesce(f.currency_t, 'null') = 'null' OR (f.currency_t = 'text' AND f.currency = 'USD'))
            """);
        for (int i = 0; i < by.Count; i++)
            sql.Append($"\n  AND (coalesce(f.d{i}_t, 'null') = 'null' OR (f.d{i}_t = 'text' AND length(f.d{i}) <= 128))");
        sql.Append($"""
            ;

            -- Too old: measured from the newest ts of all valid lines.
            DELETE FROM valid WHERE ts < (SELECT max(ts) FROM valid) - {maxAgeMs};

            -- Dedup: the first valid line of each id, in file order.
            CREATE TABLE firsts AS
            SELECT * FROM (SELECT valid.*, row_number() OVER (PARTITION BY id ORDER BY n) AS occurrence FROM valid)
            WHERE occurrence = 1;

            -- Lateness: the watermark before a line is the newest ts of the first occurrences before it.
            CREATE TABLE counted AS
            SELECT * FROM (
              SELECT firsts.*, max(ts) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS watermark FROM firsts)
            WHERE watermark IS NULL OR ts >= watermark - {latenessMs};

            """);
        if (spendRestatements)
        {
            string campaign = $"d{by.ToList().IndexOf("campaign")}", channel = $"d{by.ToList().IndexOf("channel")}";
            sql.Append($"""
                -- Spend restatements: per campaign, channel and UTC day, the first counted spend line and its ts.
                CREATE TABLE sp AS
                SELECT n, ts, cost_micros, watermark, first_value(ts) OVER k AS first_ts, first_value(n) OVER k AS first_n
                FROM counted WHERE type = 'spend'
                WINDOW k AS (PARTITION BY {campaign}, {channel}, ts - ((ts % 86400000) + 86400000) % 86400000 ORDER BY n);
                -- Applied: the first line, and later lines while the first line's ts is within lateness; the last applied figure wins.
                CREATE TABLE sp_last AS
                SELECT first_n, cost_micros FROM (
                  SELECT first_n, cost_micros, row_number() OVER (PARTITION BY first_n ORDER BY n DESC) AS r
                  FROM sp WHERE n = first_n OR first_ts >= watermark - {latenessMs})
                WHERE r = 1;
                DELETE FROM counted WHERE type = 'spend' AND n NOT IN (SELECT first_n FROM sp_last);
                UPDATE counted SET cost_micros = (SELECT cost_micros FROM sp_last WHERE sp_last.first_n = counted.n) WHERE type = 'spend';

                """);
        }
        sql.Append($"""
            -- Counts and money per window and breakdown (floor division, also for times before 1970).
            CREATE TABLE agg AS
            SELECT ts - ((ts % {windowMs}) + {windowMs}) % {windowMs} AS ws, {dimList}
            """);
        foreach (string s in Stages)
            sql.Append($"  sum(type = '{s}') AS c_{s},\n");
        sql.Append($"""
              coalesce(sum(cost_micros), 0) AS spend_micros,
              coalesce(sum(CASE WHEN type = 'won' THEN amount_micros END), 0) AS revenue_micros,
              coalesce(sum(CASE WHEN type = 'expansion' THEN amount_micros END), 0) AS expansion_micros,
              coalesce(sum(CASE WHEN type = 'churn' THEN amount_micros END), 0) AS churn_micros
            FROM counted
            GROUP BY ws{string.Concat(dims.Select(d => ", " + d))};

            -- Sales cycles (self-join on journey): per journey, the first lead's second and the first won event
            -- (earliest second, then file order, whose window and breakdown the cycle belongs to), when the
            -- won second is not before the lead second; cycle = won second - lead second.
            CREATE TABLE secs AS
            SELECT counted.*, (ts - ((ts % 1000) + 1000) % 1000) / 1000 AS sec FROM counted WHERE type IN ('lead', 'won');
            CREATE TABLE first_won AS
            SELECT * FROM (SELECT secs.*, row_number() OVER (PARTITION BY journey ORDER BY sec, n) AS k FROM secs WHERE type = 'won')
            WHERE k = 1;
            CREATE TABLE cycles AS
            SELECT w.ts - ((w.ts % {windowMs}) + {windowMs}) % {windowMs} AS ws, {string.Concat(dims.Select(d => $"w.{d} AS {d}, "))}
              sum(w.sec - l.sec) AS cycle_seconds, count(*) AS cycles
            FROM first_won w JOIN (SELECT journey, min(sec) AS sec FROM secs WHERE type = 'lead' GROUP BY journey) l ON l.journey = w.journey
            WHERE w.sec >= l.sec
            GROUP BY 1{string.Concat(dims.Select((d, i) => $", {i + 2}"))};

            -- The previous window of the same size and breakdown (absent: zeros), for period-over-period change.
            CREATE TABLE agg2 AS
            SELECT a.*, coalesce(p.revenue_micros, 0) AS p_revenue_micros, coalesce(p.c_won, 0) AS p_c_won,
              coalesce(c.cycle_seconds, 0) AS cycle_seconds, coalesce(c.cycles, 0) AS cycles
            FROM agg a LEFT JOIN agg p ON p.ws = a.ws - {windowMs}{string.Concat(dims.Select(d => $" AND p.{d} = a.{d}"))}
              LEFT JOIN cycles c ON c.ws = a.ws{string.Concat(dims.Select(d => $" AND c.{d} = a.{d}"))};

            .mode csv
            .separator "," "\n"
            -- Columns: window start (epoch ms), the breakdown values, metric ordinal, metric, kind, value.
            SELECT ws, {dimList}ord, metric, kind, value FROM (

            """);
        var metrics = BuildMetrics(kpis ?? ReferenceKpiSettings.Default);
        for (int i = 0; i < metrics.Count; i++)
        {
            (string name, string kind, string value, string? denominator) = metrics[i];
            string valueSql = kind == "ratio" ? $"printf('%!.20e', {value})" : value;
            sql.Append(i == 0 ? "  " : "  UNION ALL ")
                .Append($"SELECT ws, {dimList}{i} AS ord, '{name}' AS metric, '{kind}' AS kind, {valueSql} AS value FROM agg2")
                .Append(denominator is null ? "" : $" WHERE {denominator}")
                .Append('\n');
        }
        sql.Append($")\nORDER BY ws, {dimList}ord;\n");
        return sql.ToString();
    }

    /// <summary>
    /// The metrics in output order: name, kind (count, money, ratio), SQL value over <c>agg2</c>, and
    /// the SQL condition for the row to exist (its denominators non-zero); the formulas of docs/kpis.md
    /// as the same double operations in the same order.
    /// </summary>
    private static List<(string Name, string Kind, string Value, string? Condition)> BuildMetrics(ReferenceKpiSettings k)
    {
        string gm = ReferenceKpiSettings.Literal(k.GrossMargin);
        string purchases = ReferenceKpiSettings.Literal(k.ExpectedPurchases);
        string months = ReferenceKpiSettings.Literal(k.ContractMonths);
        const string Spend = "(spend_micros / 1000000.0)";
        const string Revenue = "(revenue_micros / 1000000.0)";
        string ltv = $"({Revenue} / c_won * {gm} * {purchases})";
        var metrics = new List<(string, string, string, string?)>();
        foreach (string s in Stages)
            metrics.Add(($"events.{s}", "count", $"c_{s}", null));
        metrics.Add(("spend", "money", "spend_micros", null));
        metrics.Add(("revenue", "money", "revenue_micros", null));
        metrics.Add(("expansion_revenue", "money", "expansion_micros", null));
        metrics.Add(("churned_revenue", "money", "churn_micros", null));
        metrics.Add(("ctr", "ratio", "CAST(c_click AS REAL) / c_impression", "c_impression > 0"));
        metrics.Add(("cpm", "ratio", $"{Spend} / c_impression * 1000", "c_impression > 0"));
        metrics.Add(("cpc", "ratio", $"{Spend} / c_click", "c_click > 0"));
        metrics.Add(("cpl", "ratio", $"{Spend} / c_lead", "c_lead > 0"));
        metrics.Add(("cac", "ratio", $"{Spend} / c_won", "c_won > 0"));
        for (int i = 0; i + 1 < OrderedFunnel.Length; i++)
        {
            string from = OrderedFunnel[i], to = OrderedFunnel[i + 1];
            metrics.Add(($"conversion.{from}.{to}", "ratio", $"CAST(c_{to} AS REAL) / c_{from}", $"c_{from} > 0"));
        }
        metrics.Add(("conversion.click.mql", "ratio", "CAST(c_mql AS REAL) / c_click", "c_click > 0"));
        metrics.Add(("conversion.sql.won", "ratio", "CAST(c_won AS REAL) / c_sql", "c_sql > 0"));
        metrics.Add(("traffic_to_lead", "ratio", "CAST(c_lead AS REAL) / c_click", "c_click > 0"));
        foreach (string s in Stages.Where(s => s != "spend"))
            metrics.Add(($"cpa.{s}", "ratio", $"{Spend} / c_{s}", $"c_{s} > 0"));
        metrics.Add(("win_rate", "ratio", "CAST(c_won AS REAL) / c_sql", "c_sql > 0"));
        metrics.Add(("closed_win_rate", "ratio", "CAST(c_won AS REAL) / (c_won + c_lost)", "c_won + c_lost > 0"));
        metrics.Add(("avg_deal_size", "ratio", $"{Revenue} / c_won", "c_won > 0"));
        metrics.Add(("mroi", "ratio", $"({Revenue} - {Revenue} * (1.0 - {gm}) - {Spend}) / {Spend}", "spend_micros > 0"));
        metrics.Add(("ltv", "ratio", ltv, "c_won > 0"));
        metrics.Add(("ltv_cac", "ratio", $"{ltv} / ({Spend} / c_won)", "c_won > 0 AND spend_micros > 0"));
        metrics.Add(("cac_payback_months", "ratio", $"{Spend} / c_won / ({Revenue} / c_won / {months} * {gm})", "c_won > 0 AND revenue_micros > 0"));
        if (k.SalesCycleFromJourneys)
            metrics.Add(("sales_velocity_per_day", "ratio", $"c_opportunity * ({Revenue} / c_won) * (CAST(c_won AS REAL) / c_sql) / (CAST(cycle_seconds AS REAL) / cycles / 86400.0)", "c_won > 0 AND c_sql > 0 AND cycles > 0 AND cycle_seconds > 0"));
        else if (k.MeanSalesCycleDays is double days)
            metrics.Add(("sales_velocity_per_day", "ratio", $"c_opportunity * ({Revenue} / c_won) * (CAST(c_won AS REAL) / c_sql) / {ReferenceKpiSettings.Literal(days)}", "c_won > 0 AND c_sql > 0"));
        metrics.Add(("revenue_change", "ratio", "CAST(revenue_micros - p_revenue_micros AS REAL) / p_revenue_micros", "p_revenue_micros > 0"));
        metrics.Add(("deals_change", "ratio", "CAST(c_won - p_c_won AS REAL) / p_c_won", "p_c_won > 0"));
        metrics.Add(("renewal_rate", "ratio", "CAST(c_renewal AS REAL) / (c_renewal + c_churn)", "c_renewal + c_churn > 0"));
        if (k.NrrBaseMicros is long nrrBase and > 0)
            metrics.Add(("nrr", "ratio", $"CAST({nrrBase} + expansion_micros - churn_micros AS REAL) / {nrrBase}", null));
        return metrics;
    }

    /// <summary>
    /// A money field in micro-units, rounded half away from zero: exact from the number's text when it
    /// is a plain non-negative decimal (integer part times 10^6, plus the first six fraction digits, plus
    /// one when the seventh is 5 or more); otherwise through the double value.
    /// </summary>
    private static string Micros(string field)
    {
        string text = $"f.{field}_text";
        string whole = $"CASE WHEN instr({text}, '.') > 0 THEN substr({text}, 1, instr({text}, '.') - 1) ELSE {text} END";
        string fraction = $"CASE WHEN instr({text}, '.') > 0 THEN substr({text}, instr({text}, '.') + 1) ELSE '' END";
        return $"""
            CASE WHEN f.{field}_t NOT IN ('integer', 'real') THEN NULL
                   WHEN {text} NOT GLOB '*[eE+-]*' THEN CAST({whole} AS INTEGER) * 1000000
                     + CAST(substr({fraction} || '000000', 1, 6) AS INTEGER) + (substr({fraction}, 7, 1) >= '5')
                   ELSE CAST(round(f.{field}_v * 1000000) AS INTEGER) END
            """;
    }

    /// <summary>Parses sqlite3's CSV: <c>ws, dims..., ordinal, metric, kind, value</c>.</summary>
    private static List<ReferenceRow> ParseRows(string csv, long windowMs, int dimCount)
    {
        var rows = new List<(ReferenceRow Row, int Ordinal)>();
        foreach (List<string> fields in ReadCsv(csv))
        {
            if (fields.Count != dimCount + 5)
                throw new InvalidOperationException($"sqlite3 returned a row with {fields.Count} fields, expected {dimCount + 5}: {string.Join(",", fields)}");
            long ws = long.Parse(fields[0], CultureInfo.InvariantCulture);
            string[] dims = fields.GetRange(1, dimCount).ToArray();
            int ordinal = int.Parse(fields[dimCount + 1], CultureInfo.InvariantCulture);
            string metric = fields[dimCount + 2];
            string kind = fields[dimCount + 3];
            string value = fields[dimCount + 4];
            (ReferenceValueKind k, decimal exact, double real) = kind switch
            {
                "count" => (ReferenceValueKind.Count, long.Parse(value, CultureInfo.InvariantCulture), long.Parse(value, CultureInfo.InvariantCulture)),
                "money" => (ReferenceValueKind.Money, long.Parse(value, CultureInfo.InvariantCulture) / 1_000_000m, (double)(long.Parse(value, CultureInfo.InvariantCulture) / 1_000_000m)),
                "ratio" => (ReferenceValueKind.Ratio, 0m, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                _ => throw new InvalidOperationException($"sqlite3 returned an unknown value kind '{kind}'"),
            };
            var start = DateTimeOffset.FromUnixTimeMilliseconds(ws);
            rows.Add((new ReferenceRow(start, start.AddMilliseconds(windowMs), dims, metric, k, exact, real), ordinal));
        }
        // sqlite3 sorted by its BINARY collation (UTF-8 bytes); replay sorts breakdowns by UTF-16
        // ordinal, which differs only above U+FFFF. A stable re-sort makes the order replay's exactly.
        return rows
            .OrderBy(r => r.Row.WindowStart)
            .ThenBy(r => r.Row.Dims, OrdinalDims)
            .ThenBy(r => r.Ordinal)
            .Select(r => r.Row)
            .ToList();
    }

    /// <summary>RFC 4180 records (quoted fields may hold commas, quotes and newlines); rows end in <c>\n</c>.</summary>
    private static IEnumerable<List<string>> ReadCsv(string csv)
    {
        int i = 0;
        while (i < csv.Length)
        {
            var fields = new List<string>();
            while (true)
            {
                var field = new StringBuilder();
                if (i < csv.Length && csv[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= csv.Length)
                            throw new InvalidOperationException("sqlite3's CSV output ends inside a quoted field");
                        if (csv[i] == '"')
                        {
                            if (i + 1 < csv.Length && csv[i + 1] == '"')
                            {
                                field.Append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        field.Append(csv[i++]);
                    }
                }
                while (i < csv.Length && csv[i] is not (',' or '\n'))
                    field.Append(csv[i++]);
                fields.Add(field.ToString());
                if (i < csv.Length && csv[i] == ',')
                {
                    i++;
                    continue;
                }
                i++; // the newline, or past the end
                break;
            }
            yield return fields;
        }
    }

    private static string RunSqlite3(string script)
    {
        var start = new ProcessStartInfo(Sqlite3Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        start.ArgumentList.Add("-batch");
        start.ArgumentList.Add("-bail");
        start.ArgumentList.Add(":memory:");
        using Process process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start '{start.FileName}'");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill();
            throw new InvalidOperationException("sqlite3 did not finish within 10 minutes");
        }
        process.WaitForExit();
        string output = stdout.Result;
        string errors = stderr.Result;
        if (process.ExitCode != 0 || errors.Contains("Error", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"sqlite3 failed (exit code {process.ExitCode}): {errors.Trim()}");
        return output;
    }

    /// <summary>Finds an executable on a PATH-style list of directories; throws with an install hint when none has it.</summary>
    internal static string FindOnPath(string name, string? pathVariable)
    {
        foreach (string dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException(
            $"'{name}' was not found on PATH ({pathVariable}); the SQL reference tests need the sqlite3 command-line tool " +
            "(3.40 or later, Debian package 'sqlite3': `sudo apt-get install sqlite3`, which scripts/setup.sh does for ./test.sh)");
    }
}
