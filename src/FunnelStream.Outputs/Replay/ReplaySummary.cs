using FunnelStream.Events;

namespace FunnelStream.Outputs.Replay;

/// <summary>What a replay read and did with it.</summary>
public sealed class ReplaySummary
{
    /// <summary>Non-empty input lines.</summary>
    public long Lines { get; internal set; }

    /// <summary>Events counted in windows.</summary>
    public long Counted { get; internal set; }

    /// <summary>Duplicates dropped.</summary>
    public long Duplicates { get; internal set; }

    /// <summary>Rejected lines by reason (late events under <see cref="RejectReason.Late"/>).</summary>
    public Dictionary<RejectReason, long> Rejected { get; } = [];

    /// <summary>Windows written.</summary>
    public long Windows { get; internal set; }
}
