namespace FunnelStream.IntegrationTests;

/// <summary>
/// `replay` writes journey rows after the window rows, configured by <c>FunnelStream:Journeys</c> from the
/// environment, with empty breakdown columns; disabling journeys removes them.
/// </summary>
public sealed class Cli_Replay_WritesJourneyRows : IDisposable
{
    private readonly string _input = Path.Combine(Path.GetTempPath(), $"funnelstream-cli-journeys-{Guid.NewGuid():N}.jsonl");

    public Cli_Replay_WritesJourneyRows()
    {
        File.WriteAllLines(_input,
        [
            """{"id":"c-1","type":"click","ts":"2026-03-02T10:00:00Z","journey":"v-1","campaign":"spring"}""",
            """{"id":"c-2","type":"click","ts":"2026-03-02T10:00:05Z","journey":"v-2","campaign":"spring"}""",
            """{"id":"l-1","type":"lead","ts":"2026-03-02T10:01:30Z","journey":"v-1","campaign":"spring"}""",
            """{"id":"l-1","type":"lead","ts":"2026-03-02T10:01:30Z","journey":"v-1","campaign":"spring"}""",
            """{"id":"i-1","type":"impression","ts":"2026-03-02T13:00:00Z","campaign":"spring"}""",
        ]);
    }

    [Fact]
    public void Replay_JourneysFromEnvironment_CohortRowsWithMatureFlag()
    {
        (int code, string stdout, string stderr) = CliProcess.Run(
            ["replay", "--input", _input, "--window", "1h", "--by", "campaign"],
            new Dictionary<string, string>
            {
                ["FunnelStream__Journeys__ConversionWindow"] = "01:00:00",
                ["FunnelStream__Journeys__CohortSize"] = "01:00:00",
            });

        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        const string Cohort = "2026-03-02T10:00:00.000Z,2026-03-02T11:00:00.000Z,,";
        Assert.Contains(Cohort + "journey.entered.click.lead,2", lines);
        Assert.Contains(Cohort + "journey.converted.click.lead,1", lines);
        Assert.Contains(Cohort + "journey.conversion.click.lead,0.5", lines);
        // 10:00-11:00 + a one-hour window <= 13:00 - 5 min: mature.
        Assert.Contains(Cohort + "journey.mature.click.lead,1", lines);
        const string Summary = "2026-03-02T10:00:00.000Z,2026-03-02T14:00:00.000Z,,";
        Assert.Contains(Summary + "journey.time_to_convert.click.lead.le.60,0", lines);
        Assert.Contains(Summary + "journey.time_to_convert.click.lead.le.300,1", lines);
        Assert.Contains(Summary + "journey.time_to_convert.click.lead.sum,90", lines);
        // Journey rows come after every window row.
        int firstJourney = Array.FindIndex(lines, l => l.Contains(",journey.", StringComparison.Ordinal));
        Assert.True(firstJourney > 1 && lines.Skip(firstJourney).All(l => l.Contains(",journey.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Replay_JourneysDisabled_NoJourneyRows()
    {
        (int code, string stdout, string stderr) = CliProcess.Run(
            ["replay", "--input", _input],
            new Dictionary<string, string>
            {
                ["FunnelStream__Journeys__Enabled"] = "false",
            });

        Assert.True(code == 0, stderr);
        Assert.Contains(",events.click,2", stdout);
        Assert.DoesNotContain("journey.", stdout);
    }

    public void Dispose() => File.Delete(_input);
}
