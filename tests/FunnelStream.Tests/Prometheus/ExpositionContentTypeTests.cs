using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class ExpositionContentTypeTests
{
    private const string Prometheus2Accept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private const string BrowserAccept =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

    [Fact]
    public void Negotiate_Prometheus2Accept_OpenMetrics()
    {
        Assert.Equal(ExpositionFormat.OpenMetrics100, ExpositionContentType.Negotiate(Prometheus2Accept));
    }

    [Fact]
    public void Negotiate_BrowserAccept_PrometheusText()
    {
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate(BrowserAccept));
    }

    [Fact]
    public void Negotiate_MissingHeader_PrometheusText()
    {
        string? missing = null;
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate(missing));
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate(""));
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate("  ,  "));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/plain;version=0.0.4")]
    [InlineData("text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("*/*")]
    [InlineData("text/*")]
    [InlineData("application/json")]
    public void Negotiate_NoOpenMetricsRequested_PrometheusText(string accept)
    {
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate(accept));
    }

    [Theory]
    [InlineData("application/openmetrics-text")]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8")]
    [InlineData("Application/OpenMetrics-Text;Version=\"1.0.0\"")]
    [InlineData("text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.9")]
    [InlineData("*/*, application/openmetrics-text;version=1.0.0")]
    [InlineData("application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,text/plain;version=0.0.4;q=0.3")]
    public void Negotiate_OpenMetricsPreferred_OpenMetrics(string accept)
    {
        Assert.Equal(ExpositionFormat.OpenMetrics100, ExpositionContentType.Negotiate(accept));
    }

    [Theory]
    [InlineData("application/openmetrics-text;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.5")]
    [InlineData("application/openmetrics-text;q=0")]
    [InlineData("application/openmetrics-text;q=0.000,*/*;q=0.1")]
    [InlineData("application/openmetrics-text;version=2.0.0")]
    [InlineData("application/openmetrics-text;version=0.0.1")]
    [InlineData("application/openmetrics-text;q=abc")]
    [InlineData("text/plain, application/openmetrics-text")]
    public void Negotiate_OpenMetricsNotPreferredOrNotAcceptable_PrometheusText(string accept)
    {
        Assert.Equal(ExpositionFormat.PrometheusText004, ExpositionContentType.Negotiate(accept));
    }

    [Fact]
    public void For_EachFormat_ExactContentType()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", ExpositionContentType.For(ExpositionFormat.PrometheusText004));
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionContentType.For(ExpositionFormat.OpenMetrics100));
    }

    [Fact]
    public void For_UnknownFormat_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpositionContentType.For((ExpositionFormat)42));
    }
}
