using Jaqmc.Training.Sampling;

namespace Jaqmc.Training.Systems;

/// <summary>
/// The hydrogen molecule with nuclei at (0, 0, ±R/2): ψ = φ(r1) φ(r2) × Padé–Jastrow, where
/// φ(r) = exp(−α |r − R_A|) + exp(−α |r − R_B|) is the bonding orbital (both electrons in it, spins opposite).
/// </summary>
internal sealed class HydrogenMolecule : IWavefunctionSystem
{
    private static readonly string[] WithJastrow = ["alpha", "beta"];
    private static readonly string[] WithoutJastrow = ["alpha"];

    private readonly bool _jastrow;
    private readonly double _half;
    private readonly double _nuclearRepulsion;

    /// <summary>Creates the system with the given bond length (bohr).</summary>
    public HydrogenMolecule(double bondLength, bool jastrow)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bondLength);
        _jastrow = jastrow;
        _half = bondLength / 2.0;
        _nuclearRepulsion = 1.0 / bondLength;
    }

    /// <inheritdoc />
    public string Name => "H2";

    /// <inheritdoc />
    public int CoordinateCount => 6;

    /// <inheritdoc />
    public IReadOnlyList<string> ParameterNames => _jastrow ? WithJastrow : WithoutJastrow;

    /// <inheritdoc />
    public double InitialProposalWidth => 0.4;

    /// <inheritdoc />
    public void InitialParameters(Span<double> parameters)
    {
        parameters[0] = 1.0;
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
            coordinates[i] *= 0.7;
        }

        // One electron near each nucleus: a reasonable start for a bonding pair.
        coordinates[2] += _half;
        coordinates[5] -= _half;
    }

    /// <inheritdoc />
    public double LogPsi(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates)
    {
        var alpha = parameters[0];
        var value = LogOrbital(alpha, coordinates, 0) + LogOrbital(alpha, coordinates, 3);
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
        var laplacian = OrbitalGradientAndLaplacian(alpha, coordinates, 0, gradient)
                        + OrbitalGradientAndLaplacian(alpha, coordinates, 3, gradient);
        if (_jastrow)
        {
            laplacian += PadeJastrow.AddGradientAndLaplacian(parameters[1], coordinates, gradient);
        }

        return laplacian;
    }

    /// <inheritdoc />
    public double Potential(ReadOnlySpan<double> coordinates)
    {
        var v = _nuclearRepulsion + (1.0 / Geometry.Distance(coordinates, 0, 3));
        for (var e = 0; e < 6; e += 3)
        {
            v -= (1.0 / Geometry.DistanceToAxisPoint(coordinates, e, _half))
                 + (1.0 / Geometry.DistanceToAxisPoint(coordinates, e, -_half));
        }

        return v;
    }

    /// <inheritdoc />
    public void ParameterDerivatives(ReadOnlySpan<double> parameters, ReadOnlySpan<double> coordinates, Span<double> derivatives)
    {
        var alpha = parameters[0];
        var d = 0.0;
        for (var e = 0; e < 6; e += 3)
        {
            var ra = Geometry.DistanceToAxisPoint(coordinates, e, _half);
            var rb = Geometry.DistanceToAxisPoint(coordinates, e, -_half);
            Weights(alpha, ra, rb, out var wa, out var wb);
            d -= (wa * ra) + (wb * rb);
        }

        derivatives[0] = d;
        if (_jastrow)
        {
            derivatives[1] = PadeJastrow.BetaDerivative(parameters[1], Geometry.Distance(coordinates, 0, 3));
        }
    }

    /// <summary>ln φ in a form that cannot underflow for walkers far from both nuclei.</summary>
    private double LogOrbital(double alpha, ReadOnlySpan<double> x, int offset)
    {
        var ra = Geometry.DistanceToAxisPoint(x, offset, _half);
        var rb = Geometry.DistanceToAxisPoint(x, offset, -_half);
        return (-alpha * Math.Min(ra, rb)) + Math.Log(1.0 + Math.Exp(-alpha * Math.Abs(ra - rb)));
    }

    /// <summary>Writes ∇ ln φ for one electron and returns ∇² ln φ.</summary>
    private double OrbitalGradientAndLaplacian(double alpha, ReadOnlySpan<double> x, int offset, Span<double> gradient)
    {
        var ra = Geometry.DistanceToAxisPoint(x, offset, _half);
        var rb = Geometry.DistanceToAxisPoint(x, offset, -_half);
        Weights(alpha, ra, rb, out var wa, out var wb);
        var sa = -alpha * wa / ra;
        var sb = -alpha * wb / rb;
        var gx = (sa + sb) * x[offset];
        var gy = (sa + sb) * x[offset + 1];
        var gz = (sa * (x[offset + 2] - _half)) + (sb * (x[offset + 2] + _half));
        gradient[offset] = gx;
        gradient[offset + 1] = gy;
        gradient[offset + 2] = gz;

        // ∇²φ / φ for a sum of exponentials, then ∇² ln φ = ∇²φ / φ − |∇ ln φ|².
        var laplacianOverPhi = (wa * alpha * (alpha - (2.0 / ra))) + (wb * alpha * (alpha - (2.0 / rb)));
        return laplacianOverPhi - ((gx * gx) + (gy * gy) + (gz * gz));
    }

    /// <summary>The shares e^(−α r_A)/φ and e^(−α r_B)/φ, computed without forming the exponentials themselves.</summary>
    private static void Weights(double alpha, double ra, double rb, out double wa, out double wb)
    {
        wa = 1.0 / (1.0 + Math.Exp(-alpha * (rb - ra)));
        wb = 1.0 / (1.0 + Math.Exp(-alpha * (ra - rb)));
    }
}
