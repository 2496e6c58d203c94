using System.CommandLine;
using System.Text;
using FunnelStream.Configuration;
using FunnelStream.Events;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.Cli;

/// <summary><c>replay</c>: a JSONL file through the same engine, in event time, to CSV or JSONL.</summary>
internal static class ReplayCommand
{
    public static Command Create(Option<string?> config)
    {
        var input = new Option<FileInfo>("--input", "-i") { Description = "Newline-delimited JSON events (the event contract)", Required = true };
        var window = new Option<string>("--window") { Description = "Tumbling window size (e.g. 1m, 1h, 1d)", DefaultValueFactory = _ => "1h" };
        var by = new Option<string?>("--by") { Description = "Breakdown dimensions, comma-separated, from the configured dimensions' fields (campaign, channel, source, segment); omit for totals" };
        var format = new Option<ReplayFormat>("--format") { Description = "csv or jsonl", DefaultValueFactory = _ => ReplayFormat.Csv };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write here instead of stdout" };
        var alerts = new Option<FileInfo?>("--alerts") { Description = "Also run leakage detection (FunnelStream:Leakage) in event time and write its alert records here, one JSON object per line; breakdown scopes and attribution come from --by" };
        var command = new Command("replay", "Run a JSONL file of events through the engine and write every window's counts and KPIs")
        {
            input, window, by, format, output, alerts,
        };
        command.SetAction(parse =>
        {
            ResolvedSettings settings = ResolvedSettings.From(AppConfiguration.Build(parse.GetValue(config)));
            FileInfo file = parse.GetValue(input)!;
            if (!file.Exists)
                throw new ArgumentException($"--input: file '{file.FullName}' does not exist");
            string[] dims = (parse.GetValue(by) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (string d in dims)
            {
                if (!FunnelDefinition.KnownDimensions.Contains(d))
                    throw new ArgumentException($"--by: unknown dimension '{d}'; allowed: {string.Join(", ", FunnelDefinition.KnownDimensions)}");
            }
            FileInfo? alertsFile = parse.GetValue(alerts);
            if (alertsFile is not null && settings.Leakage is null)
                throw new ArgumentException("--alerts: leakage detection is disabled (FunnelStream:Leakage:Enabled is false)");
            using StreamWriter? alertsWriter = alertsFile is null ? null : new StreamWriter(alertsFile.FullName, false, new UTF8Encoding(false), 1 << 16);
            ReplayAlertWriter? alertSink = alertsWriter is null ? null : new ReplayAlertWriter(alertsWriter);
            var options = new ReplayOptions
            {
                Leakage = alertSink is null ? null : settings.Leakage,
                Alerts = alertSink,
                Window = Durations.Parse(parse.GetValue(window)!, "--window"),
                By = dims,
                Format = parse.GetValue(format),
                Funnel = settings.Funnel,
                Parser = settings.Parser,
                AllowedLateness = settings.Engine.AllowedLateness,
                DedupHorizon = settings.Engine.DedupHorizon,
                SpendRestatements = settings.Engine.SpendRestatements,
                MaxValuesPerDimension = settings.Raw.Funnel.MaxValuesPerDimension,
                MaxValuesByDimension = settings.Raw.Funnel.MaxValuesByDimension,
                Journeys = settings.Journeys,
                Kpis = settings.Kpis,
            };
            using Stream stream = file.OpenRead();
            FileInfo? target = parse.GetValue(output);
            using TextWriter writer = target is null
                ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16)
                : new StreamWriter(target.FullName, false, new UTF8Encoding(false), 1 << 16);
            ReplaySummary summary = ReplayRunner.Run(stream, writer, options);
            Console.Error.WriteLine(
                $"replay: {summary.Lines} lines, {summary.Counted} counted, {summary.Duplicates} duplicates, " +
                $"{summary.Rejected.Values.Sum()} rejected ({string.Join(", ", summary.Rejected.OrderBy(r => r.Key).Select(r => $"{RejectReasons.Label(r.Key)} {r.Value}"))}), " +
                $"{summary.Windows} windows" + (alertSink is null ? "" : $", {alertSink.Records} alert records"));
            return 0;
        });
        return command;
    }
}
