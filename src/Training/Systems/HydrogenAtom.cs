using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Systems;

/// <summary>
/// The hydrogen atom with ψ = exp(−α r). The exact ground state is α = 1, E = −1/2, where the local energy is the
/// same everywhere (zero variance).
/// </summary>
internal sealed class HydrogenAtom : IWavefunctionSystem
{
    private static readonly string[] Names = ["alpha"];

    /// <inheritdoc />
    public string Name => "H";

    /// <inheritdoc />
    public int CoordinateCount => 3;

    /// <inheritdoc />
    public IReadOnlyList<string> ParameterNames => Names;

    /// <inheritdoc />
    public double InitialProposalWidth => 1.0;

    /// <inheritdoc />
    public void InitialParameters(Span<double> parameters) => parameters[0] = 0.7;

    /// <inheritdoc />
    public void Constrain(Span<double> parameters)
    {
        // α ≤ 0 is not normalisable; a tiny floor keeps the walkers bound while the optimiser recovers.
        parameters[0] = Math.Max(parameters[0], 1e-3);
    }

    /// <inheritdoc />
    public void InitialPositions(ref Xoshiro256StarStar random, Span<double> coordinates) =>
        random.FillGaussian(coordinates);

    /// <inheritdoc />
    public double LogPsi(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates) =>
        -parameters[0] * Geometry.Norm(coordinates, 0);

    /// <inheritdoc />
    public double GradientAndLaplacian(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> gradient)
    {
        var alpha = parameters[0];
        var r = Geometry.Norm(coordinates, 0);
        var scale = -alpha / r;
        gradient[0] = scale * coordinates[0];
        gradient[1] = scale * coordinates[1];
        gradient[2] = scale * coordinates[2];
        return -2.0 * alpha / r;
    }

    /// <inheritdoc />
    public double Potential(ReadOnlySpan<double> coordinates) => -1.0 / Geometry.Norm(coordinates, 0);

    /// <inheritdoc />
    public void ParameterDerivatives(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> derivatives) =>
        derivatives[0] = -Geometry.Norm(coordinates, 0);
}
