using FunnelStream.Generator.Internal;

namespace FunnelStream.Generator;

/// <summary>
/// Synthetic sales-and-marketing funnel traffic (see <see cref="TrafficOptions"/>): realistic stage
/// rates, costs, deal sizes and delays, optional imperfections and leaks, deterministic for a seed,
/// streamed with bounded memory.
/// </summary>
/// <remarks>
/// <para>Thread safety: the generator is immutable; each <see cref="Generate"/> enumeration has its own
/// state, so several may run at once on different threads.</para>
/// <para>Three independent random streams of the seed drive the valid traffic, the formatting choices
/// (<see cref="TrafficOptions.NumericTimestampRate"/>) and the imperfections, so that turning
/// duplicates, disorder, late or bad records on or off leaves the valid events unchanged.</para>
/// </remarks>
public sealed class TrafficGenerator
{
    private static readonly int BadKinds = Enum.GetValues<BadKind>().Length;

    private readonly TrafficPlan _plan;

    /// <summary>Copies and validates <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public TrafficGenerator(TrafficOptions options) => _plan = new TrafficPlan(options);

    /// <summary>
    /// The records in arrival order: valid events in event-time order, each delayed by up to
    /// <see cref="TrafficOptions.OutOfOrderJitter"/> (or by a late delay), with duplicates and bad
    /// records mixed in. Each enumeration starts over and yields the same records.
    /// </summary>
    /// <remarks>
    /// Memory is bounded by the open journeys plus the records in flight within the largest of the
    /// jitter, the late delay and the duplicate delay: nothing else is kept, however many records are generated.
    /// </remarks>
    public IEnumerable<GeneratedRecord> Generate()
    {
        TrafficPlan plan = _plan;
        var simulation = new FunnelSimulation(plan);
        var writer = new EventWriter(plan);
        var format = new Rng(plan.Seed, stream: 2);
        var chaos = new Rng(plan.Seed, stream: 3);
        // Records waiting for their arrival time; ties leave in the order they were queued.
        var inFlight = new PriorityQueue<GeneratedRecord, (long ArrivalMs, long Sequence)>();
        long sequence = 0;
        long events = 0;
        long bad = 0;
        bool numericTs = plan.NumericTimestampRate > 0;

        while (simulation.TryNext(out SimEvent e))
        {
            // Every later event arrives at or after its event time, so whatever arrives by now goes first.
            while (inFlight.TryPeek(out GeneratedRecord waiting, out var at) && at.ArrivalMs <= e.TimestampMs)
            {
                inFlight.Dequeue();
                MaybeDuplicate(waiting, at.ArrivalMs);
                yield return waiting;
            }

            byte[] value = writer.Write(e, ++events, numericTs && format.Chance(plan.NumericTimestampRate));
            string? key = e.Journey >= 0 ? writer.JourneyKey(e.Journey) : null;
            DateTimeOffset timestamp = DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs);
            string topic = Stages.Topics[(int)e.Stage];

            if (plan.BadRecordRate > 0 && chaos.Chance(plan.BadRecordRate))
            {
                var kind = (BadKind)chaos.NextInt(BadKinds);
                byte[] malformed = writer.WriteBad(e, ++bad, kind, chaos);
                inFlight.Enqueue(new GeneratedRecord(key, malformed, timestamp, topic, RecordKind.Bad), (e.TimestampMs, sequence++));
                // Released right away below when the valid record is on time.
            }

            RecordKind recordKind = RecordKind.Valid;
            long arrival = e.TimestampMs;
            // A late record must arrive before the end, amid later traffic: arriving after everything
            // else, it would be behind the final watermark by less than its delay.
            if (plan.LateRate > 0 && e.TimestampMs + plan.LateMinMs < plan.EndMs && chaos.Chance(plan.LateRate))
            {
                recordKind = RecordKind.Late;
                long maxDelay = Math.Min(plan.LateMaxMs, plan.EndMs - 1 - e.TimestampMs);
                arrival += plan.LateMinMs + chaos.NextInclusive(maxDelay - plan.LateMinMs);
            }
            else if (plan.JitterMs > 0)
            {
                arrival += chaos.NextInclusive(plan.JitterMs);
            }
            var record = new GeneratedRecord(key, value, timestamp, topic, recordKind);
            if (arrival == e.TimestampMs)
            {
                // On time: only a bad record queued just now can be due before it.
                while (inFlight.TryPeek(out GeneratedRecord waiting, out var at) && at.ArrivalMs <= arrival)
                {
                    inFlight.Dequeue();
                    yield return waiting;
                }
                MaybeDuplicate(record, arrival);
                yield return record;
            }
            else
            {
                inFlight.Enqueue(record, (arrival, sequence++));
            }
        }

        while (inFlight.TryDequeue(out GeneratedRecord waiting, out var at))
        {
            MaybeDuplicate(waiting, at.ArrivalMs);
            yield return waiting;
        }

        // Queues a re-send of the same bytes shortly after a record's arrival (a producer retry).
        void MaybeDuplicate(in GeneratedRecord record, long arrivalMs)
        {
            if (record.Kind is RecordKind.Valid or RecordKind.Late && plan.DuplicateRate > 0 && chaos.Chance(plan.DuplicateRate))
                inFlight.Enqueue(record with { Kind = RecordKind.Duplicate }, (arrivalMs + chaos.NextInclusive(plan.DuplicateMaxDelayMs), sequence++));
        }
    }
}
