using System.Text;
using FunnelStream.Events;
using FunnelStream.Outputs.Replay;

namespace FunnelStream.Tests.Replay;

/// <summary>Replay with spend restatements: the latest figure per campaign/channel/day, hand-computed.</summary>
public class ReplaySpendRestatementTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

    private const string Events = """
        {"id":"s1","type":"spend","ts":"2026-03-02T08:05:00Z","campaign":"spring","channel":"linkedin","cost":100}
        {"id":"c1","type":"click","ts":"2026-03-02T08:06:00Z","journey":"v1","campaign":"spring","channel":"linkedin"}
        {"id":"s2","type":"spend","ts":"2026-03-02T08:07:00Z","campaign":"spring","channel":"linkedin","cost":60}
        {"id":"s3","type":"spend","ts":"2026-03-02T08:08:00Z","campaign":"spring","channel":"email","cost":5}
        {"id":"c2","type":"click","ts":"2026-03-02T09:30:00Z","journey":"v2","campaign":"spring","channel":"linkedin"}
        {"id":"s4","type":"spend","ts":"2026-03-02T09:29:00Z","campaign":"spring","channel":"linkedin","cost":999}
        """;

    private static (string[] Lines, ReplaySummary Summary) Replay(bool restatements)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(Events));
        using var output = new StringWriter();
        ReplaySummary summary = ReplayRunner.Run(input, output, new ReplayOptions { Now = Now, By = ["campaign", "channel"], SpendRestatements = restatements });
        return (output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), summary);
    }

    private const string W8 = "2026-03-02T08:00:00.000Z,2026-03-02T09:00:00.000Z,";
    private const string W9 = "2026-03-02T09:00:00.000Z,2026-03-02T10:00:00.000Z,";

    [Fact]
    public void Run_RestatementsOn_LatestFigurePerKeyAndLateRestatementRejected()
    {
        (string[] lines, ReplaySummary summary) = Replay(restatements: true);

        Assert.Contains(W8 + "spring,linkedin,spend,60", lines);
        Assert.Contains(W8 + "spring,linkedin,events.spend,1", lines);
        Assert.Contains(W8 + "spring,linkedin,cpc,60", lines);
        Assert.Contains(W8 + "spring,email,spend,5", lines);
        // s4 restates the 08:05 figure, whose hour closed when the watermark reached 09:30: late, not counted anywhere.
        Assert.Contains(W9 + "spring,linkedin,spend,0", lines);
        Assert.Equal(1, summary.Rejected[RejectReason.Late]);
        Assert.Equal(5, summary.Counted);
    }

    [Fact]
    public void Run_RestatementsOff_EveryReportAdds()
    {
        (string[] lines, ReplaySummary summary) = Replay(restatements: false);

        Assert.Contains(W8 + "spring,linkedin,spend,160", lines);
        Assert.Contains(W8 + "spring,linkedin,events.spend,2", lines);
        Assert.Contains(W9 + "spring,linkedin,spend,999", lines);
        Assert.False(summary.Rejected.ContainsKey(RejectReason.Late));
    }

    [Fact]
    public void Run_RestatementsWithoutCampaignAndChannelBreakdown_ClearError()
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(Events));
        var e = Assert.Throws<ArgumentException>(() => ReplayRunner.Run(input, new StringWriter(), new ReplayOptions { Now = Now, By = ["campaign"], SpendRestatements = true }));
        Assert.Contains("--by", e.Message);
    }
}
