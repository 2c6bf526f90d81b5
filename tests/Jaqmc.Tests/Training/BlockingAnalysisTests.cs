using Jaqmc.Training.Estimators;
using Jaqmc.Training.Sampling;

namespace Jaqmc.Tests.Training;

/// <summary>Blocking recovers the true error of the mean for independent and for correlated series.</summary>
public sealed class BlockingAnalysisTests
{
    private static double[] Ar1(double phi, int n, long seed)
    {
        var random = Xoshiro256StarStar.Create(seed, 0);
        var x = new double[n];
        var previous = 0.0;
        for (var i = 0; i < n; i++)
        {
            previous = (phi * previous) + random.NextGaussian();
            x[i] = previous;
        }

        return x;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.9)]
    public void Standard_error_matches_the_exact_one_for_an_ar1_series(double phi)
    {
        const int n = 1 << 16;

        // For AR(1) with unit innovations: σ² = 1/(1−φ²), integrated autocorrelation (1+φ)/(1−φ).
        var exact = Math.Sqrt(1.0 / (1 - (phi * phi)) * (1 + phi) / (1 - phi) / n);
        var (mean, se) = BlockingAnalysis.Analyse(Ar1(phi, n, 11));

        // The estimate has its own relative error ≈ 1/√(2 × blocks); at the plateau (≥ 64 blocks here) 25 % is
        // several of those. The naive error for φ = 0.9 would be 4.4× too small, far outside.
        Assert.InRange(se, 0.75 * exact, 1.25 * exact);
        Assert.InRange(mean, -4 * exact, 4 * exact);
    }
}
