namespace FunnelStream.Tests.Checkpoints;

/// <summary>
/// Generated journeys over four days, in arrival order: journeys walk down the funnel with gaps from
/// seconds to hours, skip stages, repeat stages, get lost, and some reach lead and won within a minute
/// or two, or repeat a stage slightly earlier, so that arrival order changes their first times and sales cycle. Events arrive up to three minutes out of
/// time order, less than <see cref="JourneyRig.Lateness"/>, and ids are unique: no event is a duplicate
/// or late, for an engine of any history.
/// </summary>
internal static class JourneyStream
{
    private static readonly string[] Ordered = ["impression", "click", "lead", "mql", "sql", "opportunity", "won"];
    private static readonly string[] Campaigns = ["spring", "autumn", "winter"];
    private static readonly string[] Channels = ["linkedin", "google"];

    public static IReadOnlyList<JourneyEvent> Generate(int seed, int journeys)
    {
        var random = new Random(seed);
        var events = new List<(long Arrival, JourneyEvent Event)>();
        long t0 = JourneyRig.T0.ToUnixTimeMilliseconds();
        int id = 0;
        void Emit(string stage, long ts, string? journey, long minDelay = 0) =>
            events.Add((ts + random.NextInt64(minDelay, 180_000), new JourneyEvent($"e-{id++}", stage, ts,
                journey, Campaigns[random.Next(Campaigns.Length)], Channels[random.Next(Channels.Length)])));

        for (int j = 0; j < journeys; j++)
        {
            string journey = $"j-{j}";
            long ts = t0 + random.NextInt64(0, 3L * 86_400_000);
            if (random.NextDouble() < 0.2)
            {
                // A race: lead and won a minute or two apart, then an earlier lead or won (another
                // breakdown) arriving last, which changes the cycle and where it is attributed.
                long won = ts + random.NextInt64(60_000, 120_000);
                Emit("lead", ts, journey);
                Emit("won", won, journey);
                if (random.NextDouble() < 0.6)
                    Emit("lead", ts - random.NextInt64(1_000, 30_000), journey, minDelay: 170_000);
                if (random.NextDouble() < 0.6)
                    Emit("won", won - random.NextInt64(1_000, 30_000), journey, minDelay: 170_000);
                continue;
            }
            bool quick = random.NextDouble() < 0.3;
            for (int s = random.Next(3); s < Ordered.Length; s++)
            {
                if (s > 0 && random.NextDouble() < 0.15)
                    continue; // skips a stage
                Emit(Ordered[s], ts, journey);
                if (random.NextDouble() < 0.1)
                    Emit(Ordered[s], ts + random.NextInt64(-90_000, 3_600_000), journey); // a repeat: an earlier one arriving later moves the stage's first time
                if (random.NextDouble() < 0.08)
                {
                    Emit("lost", ts + random.NextInt64(1_000, 7_200_000), journey);
                    break;
                }
                if (random.NextDouble() < 0.25)
                    break;
                ts += quick && s >= 2 ? random.NextInt64(0, 60_000) : random.NextInt64(1_000, 6 * 3_600_000);
            }
        }
        for (int i = 0; i < journeys; i++)
            Emit("impression", t0 + random.NextInt64(0, 3L * 86_400_000), null); // no journey

        // Arrival order: event time plus up to three minutes, so an event is never behind the newest
        // time seen by more than the allowed lateness.
        return events.OrderBy(e => e.Arrival).ThenBy(e => e.Event.Id, StringComparer.Ordinal).Select(e => e.Event).ToArray();
    }

    /// <summary>The indices of events of <paramref name="stages"/> whose journey already had an event of that stage.</summary>
    public static IEnumerable<int> Repeats(IReadOnlyList<JourneyEvent> events, params string[] stages)
    {
        var seen = new HashSet<(string, string)>();
        for (int i = 0; i < events.Count; i++)
        {
            JourneyEvent e = events[i];
            if (e.Journey is not null && stages.Contains(e.Stage) && !seen.Add((e.Journey, e.Stage)))
                yield return i;
        }
    }
}
