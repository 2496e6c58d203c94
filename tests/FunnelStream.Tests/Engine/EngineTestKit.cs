using FunnelStream.Engine;
using FunnelStream.Events;

namespace FunnelStream.Tests.Engine;

/// <summary>Builds engines and events for the engine tests without going through JSON.</summary>
internal sealed class EngineTestKit : IWindowSink
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public EngineTestKit(EngineOptions? options = null, FunnelDefinition? funnel = null)
    {
        Funnel = funnel ?? FunnelDefinition.Default;
        Interners = Funnel.Dimensions.Select(d => new DimensionInterner(d, 100)).ToArray();
        Engine = new FunnelEngine(Funnel, options ?? new EngineOptions(), Interners, this);
    }

    public FunnelDefinition Funnel { get; }

    public DimensionInterner[] Interners { get; }

    public FunnelEngine Engine { get; }

    /// <summary>Every closed window as (size, start, slot values "campaign/channel", stage, count) rows.</summary>
    public List<(TimeSpan Size, DateTimeOffset Start, string Breakdown, string Stage, long Count)> Closed { get; } = [];

    public List<(TimeSpan Size, DateTimeOffset Start)> ClosedOrder { get; } = [];

    private int _nextId;

    public FunnelEvent Event(string stage, DateTimeOffset ts, string campaign = "spring", string channel = "linkedin",
        string? id = null, double cost = 0, double amount = 0)
    {
        var e = new FunnelEvent
        {
            TimestampMs = ts.ToUnixTimeMilliseconds(),
            IdHash = StableHash.Hash(System.Text.Encoding.UTF8.GetBytes(id ?? $"e-{_nextId++}")),
            Stage = (byte)Funnel.IndexOf(stage),
            CostMicros = (long)Math.Round(cost * 1_000_000),
            AmountMicros = (long)Math.Round(amount * 1_000_000),
        };
        string[] values = [campaign, channel];
        for (int d = 0; d < Funnel.Dimensions.Count; d++)
            e.Dimensions[d] = Interners[d].Intern(values[d]);
        return e;
    }

    public EventOutcome Process(string stage, DateTimeOffset ts, string campaign = "spring", string channel = "linkedin", string? id = null, int source = 0)
    {
        FunnelEvent e = Event(stage, ts, campaign, channel, id);
        return Engine.Process(e, source);
    }

    public long ClosedCount(TimeSpan size, DateTimeOffset start, string stage, string? breakdown = null) =>
        Closed.Where(r => r.Size == size && r.Start == start && r.Stage == stage && (breakdown is null || r.Breakdown == breakdown)).Sum(r => r.Count);

    public void OnWindowClosed(ClosedWindow window)
    {
        var size = TimeSpan.FromMilliseconds(window.SizeMs);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(window.StartMs);
        ClosedOrder.Add((size, start));
        for (int slot = 0; slot < window.SlotCount; slot++)
        {
            string breakdown = string.Join('/', Enumerable.Range(0, Funnel.Dimensions.Count).Select(d => window.DimensionValue(slot, d)));
            for (int s = 0; s < Funnel.Stages.Count; s++)
            {
                long c = window.Count(slot, s);
                if (c != 0)
                    Closed.Add((size, start, breakdown, Funnel.Stages[s], c));
            }
        }
    }
}
