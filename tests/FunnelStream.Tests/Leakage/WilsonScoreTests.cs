using FunnelStream.Engine.Leakage;

namespace FunnelStream.Tests.Leakage;

public class WilsonScoreTests
{
    [Theory]
    [InlineData(0.95, 1.959964)]
    [InlineData(0.99, 2.575829)]
    [InlineData(0.90, 1.644854)]
    public void ZForConfidence_CommonLevels_MatchNormalTables(double confidence, double z) =>
        Assert.Equal(z, WilsonScore.ZForConfidence(confidence), 5);

    [Fact]
    public void Interval_TenOfHundredAt95_MatchesPublishedValues()
    {
        // Newcombe (1998), Statistics in Medicine 17, method 3: 10/100 gives 0.0552 to 0.1744.
        (double lower, double upper) = WilsonScore.Interval(10, 100, WilsonScore.ZForConfidence(0.95));
        Assert.Equal(0.0552, lower, 4);
        Assert.Equal(0.1744, upper, 4);
    }

    [Fact]
    public void Interval_ZeroSuccesses_LowerIsZeroUpperPositive()
    {
        (double lower, double upper) = WilsonScore.Interval(0, 50, 1.96);
        Assert.Equal(0, lower);
        Assert.InRange(upper, 0.05, 0.1);
    }

    [Fact]
    public void Interval_MoreSuccessesThanTrials_ClampedToOne()
    {
        (double lower, double upper) = WilsonScore.Interval(120, 100, 1.96);
        Assert.Equal(1, upper, 9);
        Assert.InRange(lower, 0.9, 1);
    }

    [Fact]
    public void Interval_NoTrials_IsWholeRange() => Assert.Equal((0d, 1d), WilsonScore.Interval(0, 0, 1.96));

    [Fact]
    public void Interval_MoreTrials_Narrower()
    {
        (double l1, double u1) = WilsonScore.Interval(20, 100, 2.576);
        (double l2, double u2) = WilsonScore.Interval(200, 1000, 2.576);
        Assert.True(u2 - l2 < u1 - l1);
        Assert.True(l1 < 0.2 && 0.2 < u1 && l2 < 0.2 && 0.2 < u2);
    }
}
