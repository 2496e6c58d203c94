using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class LabelSetTests
{
    [Fact]
    public void Encoded_Empty_WritesNothing()
    {
        Assert.Equal(0, LabelSet.Empty.Encoded.Length);
        Assert.Equal(0, new LabelSet().Count);
        Assert.Equal("{", Encoding.UTF8.GetString(LabelSet.Empty.BucketPrefix));
    }

    [Fact]
    public void Encoded_TwoLabels_InGivenOrder()
    {
        var labels = new LabelSet(("stage", "click"), ("campaign", "spring"));

        Assert.Equal("{stage=\"click\",campaign=\"spring\"}", Encoding.UTF8.GetString(labels.Encoded));
        Assert.Equal("{stage=\"click\",campaign=\"spring\",", Encoding.UTF8.GetString(labels.BucketPrefix));
        Assert.Equal(("campaign", "spring"), labels[1]);
        Assert.Equal(2, labels.Count);
    }

    [Fact]
    public void Encoded_QuoteBackslashLineFeed_Escaped()
    {
        var labels = new LabelSet(("campaign", "say \"hi\"\\path\nnext\\"));

        Assert.Equal("{campaign=\"say \\\"hi\\\"\\\\path\\nnext\\\\\"}", Encoding.UTF8.GetString(labels.Encoded));
    }

    [Fact]
    public void Encoded_NonAsciiCarriageReturnTabNul_WrittenAsUtf8()
    {
        const string value = "🚀 Frühling 日本\r\t\0";
        var labels = new LabelSet(("campaign", value));

        byte[] expected = [.. "{campaign=\""u8, .. Encoding.UTF8.GetBytes(value), .. "\"}"u8];
        Assert.Equal(expected, labels.Encoded.ToArray());
    }

    [Fact]
    public void Encoded_EmptyValue_Kept()
    {
        Assert.Equal("{campaign=\"\"}", new LabelSet(("campaign", "")).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1stage")]
    [InlineData("stage-name")]
    [InlineData("stage:name")]
    [InlineData("stage name")]
    [InlineData("städte")]
    [InlineData("_stage")]
    [InlineData("__name__")]
    public void Constructor_InvalidName_ThrowsNamingIt(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelSet((name, "x")));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void Constructor_DuplicateName_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelSet(("stage", "a"), ("campaign", "b"), ("stage", "c")));
        Assert.Contains("'stage'", error.Message);
    }

    [Fact]
    public void Constructor_LoneSurrogate_ThrowsNamingLabel()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelSet(("campaign", "bad\uD800")));
        Assert.Contains("'campaign'", error.Message);
    }

    [Fact]
    public void Constructor_NullValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => new LabelSet(("campaign", null!)));
    }

    [Fact]
    public void HasLe_LabelNamedLe_True()
    {
        Assert.True(new LabelSet(("le", "1")).HasLe);
        Assert.False(new LabelSet(("level", "1")).HasLe);
    }
}
