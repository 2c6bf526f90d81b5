namespace Jaqmc.Training.Systems;

/// <summary>
/// The Padé–Jastrow factor for an antiparallel electron pair, ln J = r / (2 (1 + β r)): its slope 1/2 at r = 0
/// satisfies the electron–electron cusp condition whatever β, so β only shapes the long-range correlation.
/// </summary>
internal static class PadeJastrow
{
    /// <summary>ln J(r).</summary>
    public static double Value(double beta, double r) => r / (2.0 * (1.0 + (beta * r)));

    /// <summary>d ln J / dr.</summary>
    public static double FirstDerivative(double beta, double r)
    {
        var d = 1.0 + (beta * r);
        return 1.0 / (2.0 * d * d);
    }

    /// <summary>d² ln J / dr².</summary>
    public static double SecondDerivative(double beta, double r)
    {
        var d = 1.0 + (beta * r);
        return -beta / (d * d * d);
    }

    /// <summary>∂ ln J / ∂β.</summary>
    public static double BetaDerivative(double beta, double r)
    {
        var d = 1.0 + (beta * r);
        return -(r * r) / (2.0 * d * d);
    }

    /// <summary>
    /// Adds the Jastrow's part of ∇ ln ψ for electrons 1 and 2 (coordinates 0–2 and 3–5) to
    /// <paramref name="gradient"/> and returns its part of ∇² ln ψ (summed over both electrons).
    /// </summary>
    public static double AddGradientAndLaplacian(double beta, ReadOnlySpan<double> x, Span<double> gradient)
    {
        var r12 = Geometry.Distance(x, 0, 3);
        var first = FirstDerivative(beta, r12);
        var scale = first / r12;
        for (var k = 0; k < 3; k++)
        {
            var g = scale * (x[k] - x[3 + k]);
            gradient[k] += g;
            gradient[3 + k] -= g;
        }

        // ∇² f(r12) = f'' + 2 f' / r12 for each electron; both electrons contribute equally.
        return 2.0 * (SecondDerivative(beta, r12) + (2.0 * scale));
    }

    /// <summary>
    /// Keeps β non-negative: a negative β puts a pole of ln J at r = −1/β, where ψ is undefined.
    /// </summary>
    public static double Constrain(double beta) => beta < 0.0 ? 0.0 : beta;
}
