namespace Jaqmc.Training.Optimisation;

/// <summary>
/// Adam (Kingma and Ba) with bias correction. Its moments and step count live in <see cref="VmcState"/> so they
/// are checkpointed with the parameters.
/// </summary>
internal static class AdamOptimizer
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    /// <summary>Applies one descent step along <paramref name="gradient"/> with learning rate <paramref name="learningRate"/>.</summary>
    public static void Step(VmcState state, ReadOnlySpan<double> gradient, double learningRate)
    {
        state.AdamStepCount++;
        var t = (double)state.AdamStepCount;
        var correction1 = 1.0 - Math.Pow(Beta1, t);
        var correction2 = 1.0 - Math.Pow(Beta2, t);
        var m = state.AdamFirstMoment;
        var v = state.AdamSecondMoment;
        var theta = state.Parameters;
        for (var k = 0; k < theta.Length; k++)
        {
            var g = gradient[k];
            m[k] = (Beta1 * m[k]) + ((1.0 - Beta1) * g);
            v[k] = (Beta2 * v[k]) + ((1.0 - Beta2) * g * g);
            theta[k] -= learningRate * (m[k] / correction1) / (Math.Sqrt(v[k] / correction2) + Epsilon);
        }
    }

    /// <summary>The learning rate at <paramref name="step"/>: base / (1 + decay × step).</summary>
    public static double LearningRate(double baseRate, double decay, long step) => baseRate / (1.0 + (decay * step));
}
