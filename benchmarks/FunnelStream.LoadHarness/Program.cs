using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunnelStream.LoadHarness;

// The load harness of benchmarks/README.md. One run, one broker, the same pre-loaded events for every row.
if (args is ["broker-child", var partitionArg])
    return BrokerProcess.RunChild(int.Parse(partitionArg, CultureInfo.InvariantCulture));

HarnessOptions o;
try
{
    o = HarnessOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

string date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
string machine = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}";
Console.Error.WriteLine($"harness: {o.Events:N0} events over {o.Partitions} partitions, {machine}");
using BrokerProcess broker = BrokerProcess.Start(o.Partitions);
string bootstrap = broker.BootstrapServers;
(long records, long bytes) = Preloader.Load(bootstrap, o.Events, o.Partitions);
Console.Error.WriteLine($"pre-loaded {records:N0} records, {bytes / records} B on average");

// The throughput rows run in turn, round after round (--rounds): a slow spell of the shared machine then
// lands on one round of every row instead of all of one row. Each row reports its median round.
int passes = o.Smoke ? 1 : 3;
var b1Rounds = new Rounds();
var b1FieldsRounds = new Rounds();
var pRounds = new Rounds();
var quietRounds = new Rounds();
var noStateRounds = new Rounds();
var e2eRounds = new Rounds();
int pSeries = 0;
Freshness.Prepare();
for (int round = 1; round <= o.Rounds; round++)
{
    string of = o.Rounds > 1 ? $" (round {round} of {o.Rounds})" : "";
    Console.Error.WriteLine("B1: bare consumer" + of);
    b1Rounds.Add(BareConsumer.Throughput(bootstrap, o.Partitions, records, passes: passes));
    // Like for like: the same loop with the result fields the worker needs (the topic, to tell partitions of
    // several topics apart; headers, forwarded with dead letters). Reported beside B1, not in the targets.
    Console.Error.WriteLine("B1 with topic and headers" + of);
    b1FieldsRounds.Add(BareConsumer.Throughput(bootstrap, o.Partitions, records, "topic,headers", passes));
    Console.Error.WriteLine("P: Python peer" + of);
    (Cost peer, pSeries) = await PythonPeer.RunAsync(o.Python, bootstrap, records);
    pRounds.Add(peer);
    if (!o.Smoke)
    {
        if (round == 1)
        {
            // Not reported: the first worker in the process pays for JIT compilation and first-use allocations.
            Console.Error.WriteLine("E2E warm-up (not reported)");
            await WorkerRun.ThroughputAsync(bootstrap, records, scrape: false);
        }
        Console.Error.WriteLine("E2E, no scraping" + of);
        quietRounds.Add((await WorkerRun.ThroughputAsync(bootstrap, records, scrape: false)).Cost);
        Console.Error.WriteLine("E2E, no scraping, no checkpoints" + of);
        noStateRounds.Add((await WorkerRun.ThroughputAsync(bootstrap, records, scrape: false, checkpoints: false)).Cost);
    }
    if (round < o.Rounds)
    {
        Console.Error.WriteLine("E2E, scraping every second" + of);
        e2eRounds.Add((await WorkerRun.ThroughputAsync(bootstrap, records, scrape: true)).Cost);
    }
}
Cost b1 = b1Rounds.Median;
Cost b1Fields = b1FieldsRounds.Median;
Cost p = pRounds.Median;
Cost? quiet = quietRounds.Count > 0 ? quietRounds.Median : null;
Cost? noState = noStateRounds.Count > 0 ? noStateRounds.Median : null;
// The last round's scraping row is followed by the freshness phase on the same worker, and the gen-2
// collections are followed from its start.
Console.Error.WriteLine("E2E, scraping every second" + (o.Rounds > 1 ? $" (round {o.Rounds} of {o.Rounds})" : ""));
using var gen2Reasons = new Gen2Reasons();
gen2Reasons.Start();
Latency fresh = default;
string freshCheckpoints = "";
double rate = 0;
var (lastE2e, series, scrapes, counted) = await WorkerRun.ThroughputAsync(bootstrap, records, scrape: true, after: async (run, measured) =>
{
    // Freshness at half the maximum rate (the scraping row's median, this round's included), /metrics
    // still scraped every second.
    e2eRounds.Add(measured);
    rate = o.FreshRate ?? (o.Smoke ? 500 : Math.Max(1000, Math.Round(e2eRounds.Median.EventsPerSecond / 2 / 1000) * 1000));
    Console.Error.WriteLine($"freshness E2E at {rate:N0}/s for {o.FreshnessDuration}");
    await using var scraper = new Scraper(run.MetricsUri);
    FunnelStream.Kafka.State.StateStats state = run.Worker.StateStats;
    (long saves, long bytes, long captures, long captureMicros) = (state.Checkpoints, state.CheckpointBytes, state.Captures, state.CaptureMicros);
    fresh = Freshness.Measure(bootstrap, BrokerProcess.FreshTopic, rate, o.FreshnessDuration, () => run.Worker.Engine.CountedTotal, "fresh-");
    saves = state.Checkpoints - saves;
    captures = state.Captures - captures;
    captureMicros = state.CaptureMicros - captureMicros;
    freshCheckpoints = $"{saves:N0} checkpoints saved, {(saves == 0 ? 0 : (state.CheckpointBytes - bytes) / saves / 1e6):F1} MB on average, the last {state.LastCheckpointSize / 1e6:F1} MB in {state.LastSaveMicros / 1e6:F2} s; "
        + $"captures held the engine thread {(captures == 0 ? 0 : captureMicros / 1e3 / captures):F1} ms on average, the last {state.LastCaptureMicros / 1e3:F1} ms, {captureMicros / 1e4 / o.FreshnessDuration.TotalSeconds:F2}% of the phase";
}, checkpoints: o.FreshCheckpoints);
Cost e2e = e2eRounds.Median;
List<string> gen2Why = gen2Reasons.Stop();
List<double> gen2Times = gen2Reasons.Times();
(List<double> gen2Pauses, double longestYoungPause) = gen2Reasons.Pauses();
List<string> largeAllocations = gen2Reasons.LargeAllocations();
// B3 at the same rate (half the maximum rate of the worker, the slower side) and for as long: a p99 over
// 10 s against one over 10 minutes would leave out of B3 the rarer stalls of the broker and the machine.
Console.Error.WriteLine($"freshness B3 at {rate:N0}/s");
long bareSeen = 0;
using var assigned = new ManualResetEventSlim();
using var stopBare = new CancellationTokenSource();
Thread bare = BareConsumer.StartLive(bootstrap, BrokerProcess.FreshBareTopic, BrokerProcess.FreshPartitions, () => Interlocked.Increment(ref bareSeen), assigned, stopBare.Token);
assigned.Wait(TimeSpan.FromSeconds(30));
Latency b3 = Freshness.Measure(bootstrap, BrokerProcess.FreshBareTopic, rate, o.FreshnessDuration, () => Interlocked.Read(ref bareSeen), "bare-");
stopBare.Cancel();
bare.Join();

// ---- Report ----
var rows = new List<(string Name, Rounds Rounds, string Note)>
{
    ("B1 bare consumer", b1Rounds, $"Confluent.Kafka 1.9.3, byte[] values, ConsumeResultFields=none, the events read {passes} times"),
    ("B1f bare consumer + topic, headers", b1FieldsRounds, "the same loop with ConsumeResultFields=topic,headers, as the worker reads them"),
    ("E2E scraping 1/s", e2eRounds, $"real worker in process, {series:N0} series per scrape, {scrapes} scrapes"),
};
if (quiet is not null)
    rows.Add(("E2E no scraping", quietRounds, "same, /metrics never scraped"));
if (noState is not null)
    rows.Add(("E2E no scraping, no checkpoints", noStateRounds, "same, FunnelStream:State:Store none"));
rows.Add(("P Python peer", pRounds, $"json.loads + prometheus_client Counter, {pSeries:N0} series; CPU of the Python process only"));

Console.WriteLine($"FunnelStream load harness, {date}, {machine}");
Console.WriteLine($"{records:N0} events ({bytes / records} B avg) over {o.Partitions} partitions of the embedded broker (own process)");
string median = o.Rounds > 1 ? $"; each row its median of {o.Rounds} rounds, run in turn" : "";
Console.WriteLine($"Rows in the order they ran{median}.");
Console.WriteLine();
Console.WriteLine("| row | events/s | CPU µs/event | managed B/event | gen0 | gen1 | gen2 | events/s by round |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
foreach ((string name, Rounds r, _) in rows)
{
    Cost c = r.Median;
    string alloc = name.StartsWith('P') ? "n/a" : c.BytesPerEvent.ToString("F1", CultureInfo.InvariantCulture);
    string gcs = name.StartsWith('P') ? "n/a | n/a | n/a" : $"{c.Gen0} | {c.Gen1} | {c.Gen2}";
    Console.WriteLine($"| {name} | {c.EventsPerSecond:N0} | {c.CpuMicrosPerEvent:F2} | {alloc} | {gcs} | {r.EventsPerSecondList()} |");
}
Console.WriteLine();
Console.WriteLine($"| freshness at {rate:N0}/s | records | lost | p50 ms | p99 ms | max ms | gen2 |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
Console.WriteLine($"| B3 bare consumer | {b3.Records:N0} | {b3.Lost:N0} | {b3.P50Ms:F2} | {b3.P99Ms:F2} | {b3.MaxMs:F1} | {b3.Cost.Gen2} |");
Console.WriteLine($"| E2E (engine count = /metrics value) | {fresh.Records:N0} | {fresh.Lost:N0} | {fresh.P50Ms:F2} | {fresh.P99Ms:F2} | {fresh.MaxMs:F1} | {fresh.Cost.Gen2} |");
Console.WriteLine($"\nE2E during the freshness phase: {freshCheckpoints}");
if (fresh.LagPerSecond is { Length: > 0 } lagged)
{
    int step = Math.Max(1, lagged.Length / 20);
    Console.WriteLine($"E2E records not yet visible, every {step} s: {string.Join(" ", lagged.Where((_, i) => i % step == 0).Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))}");
}
Console.WriteLine($"Longest latencies by the second sent (s: ms): E2E {Worst(fresh)}; B3 {Worst(b3)}");
Console.WriteLine();
var ratios = new JsonObject
{
    ["e2e_over_b1_events_per_second"] = e2e.EventsPerSecond / b1.EventsPerSecond,
    ["e2e_over_p_events_per_second"] = e2e.EventsPerSecond / p.EventsPerSecond,
    ["e2e_over_b1_bytes_per_event"] = e2e.BytesPerEvent / b1.BytesPerEvent,
    ["e2e_over_b1_cpu_per_event"] = e2e.CpuMicrosPerEvent / b1.CpuMicrosPerEvent,
    ["e2e_over_b1_fields_events_per_second"] = e2e.EventsPerSecond / b1Fields.EventsPerSecond,
    ["scraping_over_quiet_events_per_second"] = quiet is { } q2 ? e2e.EventsPerSecond / q2.EventsPerSecond : null,
    ["checkpoints_over_none_events_per_second"] = quiet is { } q3 && noState is { } n3 ? q3.EventsPerSecond / n3.EventsPerSecond : null,
    ["freshness_p99_minus_b3_p99_ms"] = fresh.P99Ms - b3.P99Ms,
    ["gen2_during_e2e_and_freshness"] = lastE2e.Gen2 + fresh.Cost.Gen2,
    ["gen2_reasons"] = new JsonArray([.. gen2Why.Select(r => (JsonNode)r)]),
    ["gen2_seconds_after_start"] = new JsonArray([.. gen2Times.Select(t => (JsonNode)Math.Round(t, 1))]),
    ["gen2_pause_ms"] = new JsonArray([.. gen2Pauses.Select(t => (JsonNode)Math.Round(t, 1))]),
    ["longest_gen0_gen1_pause_ms"] = Math.Round(longestYoungPause, 1),
    ["large_object_allocations"] = new JsonArray([.. largeAllocations.Select(r => (JsonNode)r)]),
};
Console.WriteLine("| ratio | value | target |");
Console.WriteLine("|---|---:|---|");
Console.WriteLine($"| E2E / B1 events/s | {ratios["e2e_over_b1_events_per_second"]!.GetValue<double>():F3}{ByRound(e2eRounds.RatiosTo(b1Rounds), "F2")} | ≥ 0.9 |");
Console.WriteLine($"| E2E / P events/s | {ratios["e2e_over_p_events_per_second"]!.GetValue<double>():F2}{ByRound(e2eRounds.RatiosTo(pRounds), "F2")} | ≥ 4 |");
Console.WriteLine($"| E2E / B1 managed bytes/event | {ratios["e2e_over_b1_bytes_per_event"]!.GetValue<double>():F3} | ≤ 1.05 |");
Console.WriteLine($"| E2E / B1 CPU/event | {ratios["e2e_over_b1_cpu_per_event"]!.GetValue<double>():F2} | (report) |");
Console.WriteLine($"| E2E / B1f events/s | {ratios["e2e_over_b1_fields_events_per_second"]!.GetValue<double>():F3} | (report) |");
if (quiet is not null)
    Console.WriteLine($"| E2E scraping / no scraping events/s | {ratios["scraping_over_quiet_events_per_second"]!.GetValue<double>():F3}{ByRound(e2eRounds.RatiosTo(quietRounds), "F2")} | ≥ 0.97 |");
if (quiet is { } q4 && noState is { } n4)
    Console.WriteLine($"| E2E checkpoints / no checkpoints events/s (no scraping) | {q4.EventsPerSecond / n4.EventsPerSecond:F3} | (report) |");
Console.WriteLine($"| freshness p99 − B3 p99 | {fresh.P99Ms - b3.P99Ms:F2} ms | ≤ 2 ms |");
Console.WriteLine($"| Gen2 collections (E2E + {o.FreshnessDuration.TotalMinutes:0.##} min freshness) | {lastE2e.Gen2 + fresh.Cost.Gen2} | 0 (10-min run: --minutes 10) |");
if (gen2Why.Count > 0)
    Console.WriteLine($"\nGen2 collections by reason (E2E scraping + freshness): {string.Join(", ", gen2Why)}; "
        + $"at {string.Join(", ", gen2Times.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} s after the scraping row's worker started (the freshness phase starts when that row ends); "
        + $"each held the process {string.Join(", ", gen2Pauses.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms");
Console.WriteLine($"Longest gen0/gen1 collection (E2E scraping + freshness): {longestYoungPause.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} ms");
if (largeAllocations.Count > 0)
    Console.WriteLine($"Large-object allocations (E2E scraping + freshness), most bytes first: {string.Join("; ", largeAllocations)}");

// The five seconds whose records waited longest, worst first.
string Worst(Latency l) => string.Join(", ", l.MaxMsPerSecond.Select((ms, s) => (ms, s)).OrderByDescending(x => x.ms).Take(5)
    .Select(x => $"{x.s}: {x.ms.ToString("F1", CultureInfo.InvariantCulture)}"));

// The same-round ratios after the ratio of medians, when there is more than one round.
string ByRound(double[] perRound, string format) => perRound.Length > 1
    ? $" (by round: {string.Join(", ", perRound.Select(x => x.ToString(format, CultureInfo.InvariantCulture)))})"
    : "";

JsonObject RowJson(string name, Rounds r)
{
    JsonObject row = RowCostJson(name, r.Median);
    row["events_per_second_by_round"] = new JsonArray([.. r.All.Select(c => (JsonNode)c.EventsPerSecond)]);
    row["cpu_us_per_event_by_round"] = new JsonArray([.. r.All.Select(c => (JsonNode)c.CpuMicrosPerEvent)]);
    return row;
}

JsonObject RowCostJson(string name, Cost c) => new()
{
    ["name"] = name,
    ["events"] = c.Events,
    ["seconds"] = c.Seconds,
    ["events_per_second"] = c.EventsPerSecond,
    ["cpu_seconds"] = c.CpuSeconds,
    ["cpu_us_per_event"] = c.CpuMicrosPerEvent,
    ["bytes_per_event"] = name.StartsWith('P') ? null : c.BytesPerEvent,
    ["gen0"] = c.Gen0,
    ["gen1"] = c.Gen1,
    ["gen2"] = c.Gen2,
};
JsonObject LatencyJson(Latency l) => new() { ["records"] = l.Records, ["lost"] = l.Lost, ["p50_ms"] = l.P50Ms, ["p99_ms"] = l.P99Ms, ["max_ms"] = l.MaxMs, ["gen2"] = l.Cost.Gen2,
    ["lag_per_second"] = new JsonArray([.. l.LagPerSecond.Select(x => (JsonNode)x)]),
    ["max_ms_by_second_sent"] = new JsonArray([.. l.MaxMsPerSecond.Select(x => (JsonNode)x)]) };
var report = new JsonObject
{
    ["date"] = date,
    ["machine"] = machine,
    ["events"] = records,
    ["average_record_bytes"] = bytes / records,
    ["partitions"] = o.Partitions,
    ["smoke"] = o.Smoke,
    ["rounds"] = o.Rounds,
    ["rows"] = new JsonArray([.. rows.Select(r =>
    {
        JsonObject row = RowJson(r.Name, r.Rounds);
        row["note"] = r.Note;
        return (JsonNode)row;
    })]),
    ["freshness"] = new JsonObject { ["rate"] = rate, ["seconds"] = o.FreshnessDuration.TotalSeconds, ["b3"] = LatencyJson(b3), ["e2e"] = LatencyJson(fresh), ["e2e_checkpoints"] = freshCheckpoints },
    ["ratios"] = ratios,
    ["series_per_scrape"] = series,
    ["counted"] = counted,
};
if (o.JsonPath is not null)
    File.WriteAllText(o.JsonPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
if (o.ChartPath is not null)
{
    string json = o.JsonPath ?? Path.Combine(Path.GetTempPath(), $"harness-{Environment.ProcessId}.json");
    if (o.JsonPath is null)
        File.WriteAllText(json, report.ToJsonString());
    var psi = new ProcessStartInfo(o.Python) { UseShellExecute = false };
    foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "chart.py"), json, o.ChartPath })
        psi.ArgumentList.Add(a);
    using Process chart = Process.Start(psi)!;
    chart.WaitForExit();
    if (chart.ExitCode != 0)
        Console.Error.WriteLine($"chart: {o.Python} chart.py failed ({chart.ExitCode}); is python3-matplotlib installed?");
}
return 0;
