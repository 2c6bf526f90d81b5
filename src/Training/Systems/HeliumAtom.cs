using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Systems;

/// <summary>
/// The helium atom with ψ = exp(−α (r1 + r2)) × exp(r12 / (2 (1 + β r12))). Without the Jastrow factor the exact
/// optimum is α = 27/16, E = −(27/16)² = −2.84766 hartree; with it the energy goes below −2.875.
/// </summary>
internal sealed class HeliumAtom : IWavefunctionSystem
{
    private static readonly string[] WithJastrow = ["alpha", "beta"];
    private static readonly string[] WithoutJastrow = ["alpha"];

    private readonly bool _jastrow;

    /// <summary>Creates the system; <paramref name="jastrow"/> false removes the Jastrow factor (J = 1).</summary>
    public HeliumAtom(bool jastrow) => _jastrow = jastrow;

    /// <inheritdoc />
    public string Name => "He";

    /// <inheritdoc />
    public int CoordinateCount => 6;

    /// <inheritdoc />
    public IReadOnlyList<string> ParameterNames => _jastrow ? WithJastrow : WithoutJastrow;

    /// <inheritdoc />
    public double InitialProposalWidth => 0.3;

    /// <inheritdoc />
    public void InitialParameters(Span<double> parameters)
    {
        parameters[0] = 2.0;
        if (_jastrow)
        {
            parameters[1] = 0.2;
        }
    }

    /// <inheritdoc />
    public void Constrain(Span<double> parameters)
    {
        parameters[0] = Math.Max(parameters[0], 1e-3);
        if (_jastrow)
        {
            parameters[1] = PadeJastrow.Constrain(parameters[1]);
        }
    }

    /// <inheritdoc />
    public void InitialPositions(ref Xoshiro256StarStar random, Span<double> coordinates)
    {
        random.FillGaussian(coordinates);
        for (var i = 0; i < coordinates.Length; i++)
        {
            // Roughly the size of the 1s orbital, so equilibration is short.
            coordinates[i] *= 0.6;
        }
    }

    /// <inheritdoc />
    public double LogPsi(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates)
    {
        var value = -parameters[0] * (Geometry.Norm(coordinates, 0) + Geometry.Norm(coordinates, 3));
        if (_jastrow)
        {
            value += PadeJastrow.Value(parameters[1], Geometry.Distance(coordinates, 0, 3));
        }

        return value;
    }

    /// <inheritdoc />
    public double GradientAndLaplacian(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> gradient)
    {
        var alpha = parameters[0];
        var r1 = Geometry.Norm(coordinates, 0);
        var r2 = Geometry.Norm(coordinates, 3);
        var s1 = -alpha / r1;
        var s2 = -alpha / r2;
        for (var k = 0; k < 3; k++)
        {
            gradient[k] = s1 * coordinates[k];
            gradient[3 + k] = s2 * coordinates[3 + k];
        }

        var laplacian = (-2.0 * alpha / r1) - (2.0 * alpha / r2);
        if (_jastrow)
        {
            laplacian += PadeJastrow.AddGradientAndLaplacian(parameters[1], coordinates, gradient);
        }

        return laplacian;
    }

    /// <inheritdoc />
    public double Potential(ReadOnlySpan<double> coordinates) =>
        (-2.0 / Geometry.Norm(coordinates, 0)) - (2.0 / Geometry.Norm(coordinates, 3)) + (1.0 / Geometry.Distance(coordinates, 0, 3));

    /// <inheritdoc />
    public void ParameterDerivatives(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> derivatives)
    {
        derivatives[0] = -(Geometry.Norm(coordinates, 0) + Geometry.Norm(coordinates, 3));
        if (_jastrow)
        {
            derivatives[1] = PadeJastrow.BetaDerivative(parameters[1], Geometry.Distance(coordinates, 0, 3));
        }
    }
}
