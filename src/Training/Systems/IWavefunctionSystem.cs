using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Systems;

/// <summary>
/// A physical system together with its trial wavefunction: everything the sampler, the local-energy estimator and
/// the optimiser need. Adding a system means adding one implementation of this interface.
/// </summary>
/// <remarks>
/// Coordinates are the flattened electron positions (x1, y1, z1, x2, ...), in bohr. Implementations must be
/// stateless and thread-safe (they are called concurrently for different walkers) and must not allocate.
/// </remarks>
internal interface IWavefunctionSystem
{
    /// <summary>The system's name, as in <c>Training:System</c>; stored in checkpoints.</summary>
    string Name { get; }

    /// <summary>The number of coordinates per walker (3 × electrons).</summary>
    int CoordinateCount { get; }

    /// <summary>The variational parameters' names, as used in the <c>param:&lt;name&gt;</c> statistics.</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>
    /// The starting Metropolis proposal width in bohr, near where pmove lies in the target band: adaptation changes
    /// it by only 10 % per 100 steps, so a poor start wastes hundreds of steps.
    /// </summary>
    double InitialProposalWidth { get; }

    /// <summary>Writes the starting parameters.</summary>
    void InitialParameters(Span<double> parameters);

    /// <summary>Brings parameters back into their valid domain after an optimiser step.</summary>
    void Constrain(Span<double> parameters);

    /// <summary>Draws a starting configuration for one walker.</summary>
    void InitialPositions(ref Xoshiro256StarStar random, Span<double> coordinates);

    /// <summary>ln |ψ| at <paramref name="coordinates"/>.</summary>
    double LogPsi(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates);

    /// <summary>
    /// Writes ∇ ln ψ (one entry per coordinate) into <paramref name="gradient"/> and returns ∇² ln ψ summed over
    /// all electrons; both analytic.
    /// </summary>
    double GradientAndLaplacian(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> gradient);

    /// <summary>The potential energy (electron–nucleus, electron–electron and nucleus–nucleus), in hartree.</summary>
    double Potential(ReadOnlySpan<double> coordinates);

    /// <summary>Writes ∂ ln ψ / ∂θ for each parameter θ into <paramref name="derivatives"/>.</summary>
    void ParameterDerivatives(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> derivatives);
}
