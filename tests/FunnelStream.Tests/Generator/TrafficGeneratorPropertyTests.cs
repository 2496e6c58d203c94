using FsCheck;
using FsCheck.Fluent;
using FunnelStream.Events;
using FunnelStream.Generator;
using static FunnelStream.Tests.Generator.GeneratorTestKit;

namespace FunnelStream.Tests.Generator;

/// <summary>Invariants of <see cref="TrafficGenerator"/> over random seeds and imperfection settings (FsCheck, run by hand).</summary>
public class TrafficGeneratorPropertyTests
{
    private static readonly Config Some = Config.QuickThrowOnFailure.WithMaxTest(25);

    [Fact]
    public void Generate_AnySeedAndImperfections_ContractInvariantsHold()
    {
        Gen<TrafficOptions> options =
            from seed in Gen.Choose(int.MinValue, int.MaxValue)
            from duplicates in Gen.Elements(0.0, 0.01, 0.3)
            from jitterSeconds in Gen.Choose(0, 60)
            from late in Gen.Elements(0.0, 0.02)
            from bad in Gen.Elements(0.0, 0.05, 0.5)
            from numeric in Gen.Elements(0.0, 0.5)
            select Configure(seed, duplicates, jitterSeconds, late, bad, numeric);
        Check.One(Some, Prop.ForAll(options.ToArbitrary(), Holds));
    }

    private static TrafficOptions Configure(int seed, double duplicates, int jitterSeconds, double late, double bad, double numeric)
    {
        TrafficOptions o = Boosted(Fast(seed, eventsPerSecond: 50, duration: TimeSpan.FromMinutes(10)));
        o.StageDelayScale = 0.00001;
        o.DuplicateRate = duplicates;
        o.OutOfOrderJitter = TimeSpan.FromSeconds(jitterSeconds);
        o.LateRate = late;
        o.LateDelayMin = TimeSpan.FromMinutes(6.5);
        o.LateDelayMax = TimeSpan.FromMinutes(8);
        o.BadRecordRate = bad;
        o.NumericTimestampRate = numeric;
        return o;
    }

    private static bool Holds(TrafficOptions o)
    {
        EventParser parser = NewParser();
        long startMs = o.Start.ToUnixTimeMilliseconds(), endMs = (o.Start + o.Duration).ToUnixTimeMilliseconds();
        long jitterMs = (long)o.OutOfOrderJitter.TotalMilliseconds;
        long newestValid = long.MinValue / 2;
        var byId = new Dictionary<string, byte[]>();
        foreach (GeneratedRecord r in new TrafficGenerator(o).Generate())
        {
            long ts = r.Timestamp.ToUnixTimeMilliseconds();
            if (ts < startMs || ts >= endMs)
                return false;
            bool accepted = parser.Parse(r.Value, out _) == RejectReason.None;
            if (r.Kind == RecordKind.Bad)
            {
                if (accepted)
                    return false;
                continue;
            }
            if (!accepted)
                return false;
            Event e = Parse(r.Value);
            if (e.TsMs != ts || (JourneyTypes.Contains(e.Type) && e.Journey is null))
                return false;
            switch (r.Kind)
            {
                case RecordKind.Duplicate:
                    if (!byId.TryGetValue(e.Id, out byte[]? original) || !original.AsSpan().SequenceEqual(r.Value))
                        return false;
                    break;
                case RecordKind.Valid:
                    if (!byId.TryAdd(e.Id, r.Value) || ts < newestValid - jitterMs)
                        return false;
                    newestValid = Math.Max(newestValid, ts);
                    break;
                case RecordKind.Late:
                    if (!byId.TryAdd(e.Id, r.Value))
                        return false;
                    break;
            }
        }
        return true;
    }
}
