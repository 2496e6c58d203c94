namespace FunnelStream.Engine.Leakage;

/// <summary>The detector's memory for one transition in one scope: baseline, last judgement and the open alert. Engine thread only.</summary>
internal sealed class LeakState
{
    public double EwmaFrom;
    public double EwmaTo;
    public long HistoryMs;
    public long ObservedMs;

    // The latest evaluation.
    public ConversionSample Sample;
    public double Lower;
    public double Upper = 1;
    public double Baseline = double.NaN;
    public double Threshold = double.NaN;
    public bool ThresholdIsBenchmark;
    public bool Sufficient;

    // The open alert, if any.
    public bool Open;
    public string AlertId = "";
    public long FirstSeenMs;
    public long LastSeenMs;
    public long LastEmittedMs;
    public long ClearSinceMs = long.MinValue;
    public IReadOnlyList<AttributionEntry> Attribution = [];
}
