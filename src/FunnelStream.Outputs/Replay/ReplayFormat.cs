namespace FunnelStream.Outputs.Replay;

/// <summary>How <see cref="ReplayRunner"/> writes its results.</summary>
public enum ReplayFormat
{
    /// <summary>CSV, one row per window, breakdown and metric: <c>window_start,window_end,&lt;dims&gt;,metric,value</c>.</summary>
    Csv,
    /// <summary>JSON lines, one object per window and breakdown with every metric as a property.</summary>
    Jsonl,
}
