namespace FunnelStream.Generator.Internal;

/// <summary>
/// The valid traffic, in event-time order: impressions as a Poisson process, and every later stage
/// of a journey drawn when the stage before it happens and kept in a priority queue until its time
/// comes. Memory is bounded by the number of open journeys (each has at most two pending steps) plus
/// one pending spend report per campaign and paying channel. Not thread-safe.
/// </summary>
internal sealed class FunnelSimulation
{
    private const long MicrosPerCent = 10_000;

    private readonly TrafficPlan _plan;
    private readonly Rng _rng;
    private readonly PriorityQueue<JourneyStep, (long TimestampMs, long Sequence)> _pending = new();
    private long _sequence;
    private double _nextImpressionMs;
    private long _journeys;

    public FunnelSimulation(TrafficPlan plan)
    {
        _plan = plan;
        _rng = new Rng(plan.Seed, stream: 1);
        _nextImpressionMs = plan.StartMs + ImpressionGap();
        for (int channel = 0; channel < plan.Channels.Length; channel++)
        {
            if (plan.SpendPerIntervalMicros[channel] <= 0)
                continue;
            for (int campaign = 0; campaign < plan.Campaigns.Length; campaign++)
                Schedule(plan.StartMs + plan.SpendIntervalMs - 1000, new JourneyStep(Stage.Spend, -1, campaign, channel, -1, 0));
        }
    }

    /// <summary>Steps waiting in the queue: open journeys' next stages and spend reports.</summary>
    public int Pending => _pending.Count;

    /// <summary>The next valid event in event-time order; <c>false</c> once nothing is left before the end.</summary>
    public bool TryNext(out SimEvent e)
    {
        long impressionMs = (long)_nextImpressionMs;
        bool hasImpression = impressionMs < _plan.EndMs;
        if (_pending.TryPeek(out JourneyStep step, out var at) && (!hasImpression || at.TimestampMs <= impressionMs))
        {
            _pending.Dequeue();
            e = Advance(step, at.TimestampMs);
            return true;
        }
        if (hasImpression)
        {
            e = Impression(impressionMs);
            _nextImpressionMs += ImpressionGap();
            return true;
        }
        e = default;
        return false;
    }

    private SimEvent Impression(long ts)
    {
        TrafficPlan plan = _plan;
        int campaign = plan.Campaigns.Length == 1 ? 0 : _rng.NextInt(plan.Campaigns.Length);
        int channel = Pick(plan.ChannelCumulative);
        int segment = Pick(plan.SegmentCumulative);
        if (_rng.Chance(Probability(Stage.Impression, ts, campaign, channel)))
            Schedule(ts + Gap(Delay.ToClick), new JourneyStep(Stage.Click, ++_journeys, campaign, channel, segment, 0));
        return new SimEvent
        {
            TimestampMs = ts,
            Stage = Stage.Impression,
            Journey = -1,
            Campaign = campaign,
            Channel = channel,
            Segment = segment,
            CostMicros = plan.ImpressionCostMicros[channel],
            AmountMicros = -1,
        };
    }

    /// <summary>Emits <paramref name="step"/> at <paramref name="ts"/> and draws what follows it.</summary>
    private SimEvent Advance(in JourneyStep step, long ts)
    {
        var e = new SimEvent
        {
            TimestampMs = ts,
            Stage = step.Stage,
            Journey = step.Journey,
            Campaign = step.Campaign,
            Channel = step.Channel,
            Segment = step.Segment,
            CostMicros = -1,
            AmountMicros = -1,
        };
        switch (step.Stage)
        {
            case Stage.Click:
                if (_plan.Pricing[step.Channel] == ChannelPricing.CostPerClick)
                    e.CostMicros = ClickCost(step.Channel);
                Next(step, ts, Stage.Click, Stage.Lead, Delay.ToLead, 0);
                break;
            case Stage.Lead:
                Next(step, ts, Stage.Lead, Stage.Mql, Delay.ToMql, 0);
                break;
            case Stage.Mql:
                Next(step, ts, Stage.Mql, Stage.Sql, Delay.ToSql, 0);
                break;
            case Stage.Sql:
                Next(step, ts, Stage.Sql, Stage.Opportunity, Delay.ToOpportunity, DealAmount(step.Segment));
                break;
            case Stage.Opportunity:
                bool won = _rng.Chance(Probability(Stage.Opportunity, ts, step.Campaign, step.Channel));
                Schedule(ts + Gap(Delay.ToClose), step with { Stage = won ? Stage.Won : Stage.Lost });
                break;
            case Stage.Won:
                e.AmountMicros = step.AmountMicros;
                if (_rng.Chance(_plan.ExpansionRate))
                    Schedule(ts + Gap(Delay.ToExpansion), step with { Stage = Stage.Expansion, AmountMicros = Dollars(step.AmountMicros / 1e6 * _rng.NextLogNormal(0.3, 0.5)) });
                Schedule(ts + Gap(Delay.ToRenewal), step with { Stage = _rng.Chance(_plan.RenewalRate) ? Stage.Renewal : Stage.Churn });
                break;
            case Stage.Lost or Stage.Renewal or Stage.Expansion or Stage.Churn:
                e.AmountMicros = step.AmountMicros;
                break;
            case Stage.Spend:
                // A report varies a little around the configured budget, in cents.
                e.CostMicros = Math.Max(0, (long)Math.Round(_plan.SpendPerIntervalMicros[step.Channel] * _rng.NextLogNormal(1, 0.1) / MicrosPerCent) * MicrosPerCent);
                Schedule(ts + _plan.SpendIntervalMs, step);
                break;
        }
        return e;
    }

    private void Next(in JourneyStep step, long ts, Stage from, Stage to, Delay delay, long amountMicros)
    {
        if (_rng.Chance(Probability(from, ts, step.Campaign, step.Channel)))
            Schedule(ts + Gap(delay), step with { Stage = to, AmountMicros = amountMicros == 0 ? step.AmountMicros : amountMicros });
    }

    /// <summary>Queues a step; one at or after the end is dropped, as nothing after the end is emitted.</summary>
    private void Schedule(long ts, in JourneyStep step)
    {
        if (ts < _plan.EndMs)
            _pending.Enqueue(step, (ts, _sequence++));
    }

    /// <summary>The probability of the ordered transition out of <paramref name="from"/>, leaks applied.</summary>
    private double Probability(Stage from, long ts, int campaign, int channel)
    {
        double p = _plan.Transition[(int)from];
        LeakRule[] leaks = _plan.Leaks;
        for (int i = 0; i < leaks.Length; i++)
        {
            LeakRule l = leaks[i];
            if (l.From == from && ts >= l.StartMs && ts < l.EndMs && (l.Campaign < 0 || l.Campaign == campaign) && (l.Channel < 0 || l.Channel == channel))
                p *= l.Factor;
        }
        return Math.Min(p, 1);
    }

    private int Pick(double[] cumulative)
    {
        if (cumulative.Length == 1)
            return 0;
        double u = _rng.NextDouble();
        int i = 0;
        while (i < cumulative.Length - 1 && u >= cumulative[i])
            i++;
        return i;
    }

    private double ImpressionGap() => _rng.NextExponential() / _plan.ImpressionsPerMs;

    /// <summary>A log-normal gap in whole ms, at least 1 (so a stage is strictly after the one before), capped at 20 medians.</summary>
    private long Gap(Delay delay)
    {
        double median = _plan.DelayMedianMs[(int)delay];
        double ms = Math.Min(_rng.NextLogNormal(median, _plan.DelaySigma[(int)delay]), 20 * median);
        return Math.Max(1, (long)ms);
    }

    /// <summary>An auction price around the channel's CPC, in cents, at least one cent.</summary>
    private long ClickCost(int channel)
    {
        long price = _plan.ClickPriceMicros[channel];
        return price == 0 ? 0 : Math.Max(1, (long)Math.Round(price * _rng.NextLogNormal(1, 0.3) / MicrosPerCent)) * MicrosPerCent;
    }

    private long DealAmount(int segment) =>
        Dollars(_rng.NextLogNormal(_plan.DealMedian * _plan.DealFactor[segment], _plan.DealSigma));

    /// <summary>Whole dollars, at least one, at most 100 million, in micro-units.</summary>
    private static long Dollars(double units) => (long)Math.Clamp(Math.Round(units), 1, 100_000_000) * 1_000_000;
}
