using Jaqmc.Training.Systems;

namespace Jaqmc.Training.Estimators;

/// <summary>The local energy E_L = −½ ∇²ψ/ψ + V, with the kinetic part from the analytic ∇ ln ψ and ∇² ln ψ.</summary>
internal static class LocalEnergy
{
    /// <summary>Evaluates the kinetic and potential parts at <paramref name="coordinates"/>.</summary>
    /// <param name="system">The system.</param>
    /// <param name="parameters">The variational parameters.</param>
    /// <param name="coordinates">One walker's coordinates.</param>
    /// <param name="gradient">Scratch of <see cref="IWavefunctionSystem.CoordinateCount"/> entries.</param>
    /// <param name="kinetic">−½ (∇² ln ψ + |∇ ln ψ|²), which equals −½ ∇²ψ / ψ.</param>
    /// <param name="potential">The potential energy.</param>
    public static void Evaluate(
        IWavefunctionSystem system,
        ReadOnlySpan<double> parameters,
        ReadOnlySpan<double> coordinates,
        Span<double> gradient,
        out double kinetic,
        out double potential)
    {
        var laplacian = system.GradientAndLaplacian(parameters, coordinates, gradient);
        var squared = 0.0;
        foreach (var g in gradient)
        {
            squared += g * g;
        }

        kinetic = -0.5 * (laplacian + squared);
        potential = system.Potential(coordinates);
    }
}
