using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Optimisation;

/// <summary>
/// The energy gradient 2 ⟨(E_L − ⟨E_L⟩) ∂ln ψ/∂θ⟩ with local energies clipped to ⟨E_L⟩ ± c × mean |E_L − ⟨E_L⟩|,
/// as FermiNet and JaQMC do: rare huge local energies near nuclei or coalescences would otherwise dominate a step.
/// </summary>
internal static class ClippedEnergyGradient
{
    /// <summary>Writes the gradient into <paramref name="gradient"/>; <paramref name="meanEnergy"/> is the unclipped mean.</summary>
    public static void Compute(WalkerSamples samples, double meanEnergy, double clipWidth, Span<double> gradient)
    {
        var n = samples.Walkers;
        var p = samples.ParameterCount;
        var deviation = 0.0;
        for (var w = 0; w < n; w++)
        {
            deviation += Math.Abs(samples.LocalEnergy(w) - meanEnergy);
        }

        deviation /= n;
        var lower = meanEnergy - (clipWidth * deviation);
        var upper = meanEnergy + (clipWidth * deviation);
        var clippedMean = 0.0;
        for (var w = 0; w < n; w++)
        {
            clippedMean += Math.Clamp(samples.LocalEnergy(w), lower, upper);
        }

        clippedMean /= n;
        gradient.Clear();
        var derivatives = samples.ParameterDerivatives;
        for (var w = 0; w < n; w++)
        {
            var d = Math.Clamp(samples.LocalEnergy(w), lower, upper) - clippedMean;
            for (var k = 0; k < p; k++)
            {
                gradient[k] += d * derivatives[(w * p) + k];
            }
        }

        for (var k = 0; k < p; k++)
        {
            gradient[k] *= 2.0 / n;
        }
    }
}
