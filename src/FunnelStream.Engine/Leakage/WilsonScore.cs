namespace FunnelStream.Engine.Leakage;

/// <summary>
/// The Wilson score interval of a binomial proportion, and the normal quantile it needs. Pure functions.
/// </summary>
/// <remarks>
/// Wilson rather than the normal approximation because it stays inside [0, 1] and behaves with few
/// trials or a proportion near 0, which is exactly where a leaking transition sits
/// (E. B. Wilson, JASA 22 (1927), 209–212).
/// </remarks>
public static class WilsonScore
{
    /// <summary>The two-sided interval at the confidence whose z is <paramref name="z"/>; (0, 1) with no trials.</summary>
    /// <param name="successes">Successes; values above <paramref name="trials"/> are clamped (count-based b can exceed a).</param>
    /// <param name="trials">Trials, at least 0.</param>
    /// <param name="z">The normal quantile, e.g. 1.96 for 95 %.</param>
    public static (double Lower, double Upper) Interval(long successes, long trials, double z)
    {
        if (trials <= 0)
            return (0, 1);
        double n = trials;
        double p = Math.Clamp((double)successes / n, 0, 1);
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2 * n)) / denominator;
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>z for a two-sided interval of <paramref name="confidence"/> (0.95 gives 1.95996...).</summary>
    public static double ZForConfidence(double confidence) => NormalQuantile(1 - (1 - confidence) / 2);

    /// <summary>The standard normal quantile (inverse CDF) of <paramref name="p"/> in (0, 1), relative error below 1.2e-9.</summary>
    /// <remarks>P. J. Acklam's rational approximation (relative error at most 1.15e-9), without a refinement step.</remarks>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "must be in (0, 1)");
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        else if (p <= 1 - low)
        {
            double q = p - 0.5;
            double r = q * q;
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        else
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        return x;
    }
}
