using System.Text;
using FunnelStream.Outputs.Prometheus;

namespace FunnelStream.Tests.Prometheus;

public class ExpositionNumbersTests
{
    // The examples of OpenMetrics 1.0, "Considerations: Canonical Numbers" and its histogram example.
    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.002, "0.002")]
    [InlineData(0.01, "0.01")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.9, "0.9")]
    [InlineData(0.95, "0.95")]
    [InlineData(0.99, "0.99")]
    [InlineData(0.999, "0.999")]
    [InlineData(1.0, "1.0")]
    [InlineData(1.7, "1.7")]
    [InlineData(10.0, "10.0")]
    [InlineData(1e-10, "1e-10")]
    [InlineData(1e-09, "1e-09")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(100000.0, "100000.0")]
    [InlineData(1e+06, "1e+06")]
    [InlineData(1e+10, "1e+10")]
    [InlineData(1e+23, "1e+23")]
    [InlineData(1.1e+23, "1.1e+23")]
    [InlineData(2.345, "2.345")]
    [InlineData(123456.5, "123456.5")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.00012, "0.00012")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(1e100, "1e+100")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    public void CanonicalLe_SpecExamples_GoStyleWithPointZero(double bound, string expected)
    {
        Assert.Equal(expected, ExpositionNumbers.CanonicalLe(bound));
    }

    [Theory]
    [InlineData(0.25, "0.25", "0.25")]
    [InlineData(3.0, "3", "3.0")]
    [InlineData(-3.0, "-3", "-3.0")]
    [InlineData(-0.0, "0", "0.0")]
    [InlineData(0.1 + 0.2, "0.30000000000000004", "0.30000000000000004")]
    [InlineData(1e-7, "1e-07", "1e-07")]
    [InlineData(1e21, "1e+21", "1e+21")]
    [InlineData(123456789012345.0, "123456789012345", "123456789012345.0")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308", "1.7976931348623157e+308")]
    [InlineData(-double.MaxValue, "-1.7976931348623157e+308", "-1.7976931348623157e+308")]
    [InlineData(double.Epsilon, "5e-324", "5e-324")]
    [InlineData(double.NaN, "NaN", "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf", "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf", "-Inf")]
    public void WriteDouble_Value_ShortestRoundTripPerFormat(double value, string text, string openMetrics)
    {
        Assert.Equal(text, Write(value, ExpositionFormat.PrometheusText004));
        Assert.Equal(openMetrics, Write(value, ExpositionFormat.OpenMetrics100));
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(42L, "42")]
    [InlineData(-7L, "-7")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void WriteInt64_Value_PlainDigits(long value, string expected)
    {
        Span<byte> buffer = stackalloc byte[ExpositionNumbers.MaxLength];
        int length = ExpositionNumbers.WriteInt64(value, buffer);
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer[..length]));
    }

    [Fact]
    public void WriteDouble_RandomValues_ParseBackExactly()
    {
        var random = new Random(11);
        Span<byte> buffer = stackalloc byte[ExpositionNumbers.MaxLength];
        for (int i = 0; i < 10_000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (!double.IsFinite(value))
                continue;
            int length = ExpositionNumbers.WriteDouble(value, buffer, ExpositionFormat.OpenMetrics100);
            Assert.True(length <= ExpositionNumbers.MaxLength);
            Assert.Equal(value == 0 ? 0 : value, double.Parse(Encoding.ASCII.GetString(buffer[..length]), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static string Write(double value, ExpositionFormat format)
    {
        Span<byte> buffer = stackalloc byte[ExpositionNumbers.MaxLength];
        int length = ExpositionNumbers.WriteDouble(value, buffer, format);
        return Encoding.ASCII.GetString(buffer[..length]);
    }
}
