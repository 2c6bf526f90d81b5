using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Estimators;

/// <summary>One step's walker averages (unclipped). Variances are the population variances over walkers.</summary>
internal readonly record struct StepStatistics(
    double Energy,
    double EnergyVariance,
    double Kinetic,
    double KineticVariance,
    double Potential,
    double PotentialVariance,
    double Pmove)
{
    /// <summary>
    /// Reduces the samples in walker order on one thread: a fixed summation order makes the statistics independent
    /// of the thread count, and for a few thousand walkers it costs microseconds.
    /// </summary>
    public static StepStatistics Compute(WalkerSamples samples, double pmove)
    {
        var n = samples.Walkers;
        double se = 0, sk = 0, sv = 0;
        for (var w = 0; w < n; w++)
        {
            sk += samples.Kinetic[w];
            sv += samples.Potential[w];
            se += samples.Kinetic[w] + samples.Potential[w];
        }

        double me = se / n, mk = sk / n, mv = sv / n;

        // Two passes (deviations from the mean) so a tiny variance, like hydrogen's at α = 1, is not lost to cancellation.
        double qe = 0, qk = 0, qv = 0;
        for (var w = 0; w < n; w++)
        {
            var k = samples.Kinetic[w] - mk;
            var v = samples.Potential[w] - mv;
            var e = samples.Kinetic[w] + samples.Potential[w] - me;
            qk += k * k;
            qv += v * v;
            qe += e * e;
        }

        return new StepStatistics(me, qe / n, mk, qk / n, mv, qv / n, pmove);
    }
}
