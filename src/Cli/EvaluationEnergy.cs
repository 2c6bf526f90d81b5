namespace Jaqmc.Cli;

/// <summary>The evaluation stage's mean energy and its standard error (Flyvbjerg–Petersen blocking), for <c>jaqmc show</c> and the dashboard.</summary>
/// <param name="Mean">The mean of its finite <c>total_energy</c> values.</param>
/// <param name="Error">The blocking-corrected standard error (NaN for fewer than two values).</param>
/// <param name="Steps">How many values went into it.</param>
internal sealed record EvaluationEnergy(double Mean, double Error, int Steps)
{
    /// <summary>The estimate from <paramref name="energies"/>, or null when none is finite.</summary>
    public static EvaluationEnergy? Of(IEnumerable<double> energies)
    {
        var finite = energies.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return null;
        }

        var (mean, error) = Jaqmc.Training.Estimators.BlockingAnalysis.Analyse(finite);
        return new EvaluationEnergy(mean, error, finite.Length);
    }
}
