using Jaqmc.Training;
using Jaqmc.Training.Estimators;
using Jaqmc.Training.Sampling;
using Jaqmc.Training.Systems;

namespace Jaqmc.Tests.Training;

/// <summary>The analytic derivatives of every system against central finite differences of ln ψ.</summary>
public sealed class WavefunctionSystemTests
{
    public static TheoryData<string> Systems => ["H", "He", "He-fixed", "H2", "H2-fixed"];

    private static IWavefunctionSystem Create(string name) => name switch
    {
        "H" => new HydrogenAtom(),
        "He" => new HeliumAtom(jastrow: true),
        "He-fixed" => new HeliumAtom(jastrow: false),
        "H2" => new HydrogenMolecule(1.4, jastrow: true),
        _ => new HydrogenMolecule(1.4, jastrow: false),
    };

    // Central differences with step h err by O(h²) ≈ 1e-8 relative here, and by rounding ≈ ε/h² ≈ 1e-8 for the
    // second derivative: 1e-5 leaves a wide margin while still catching any wrong analytic term (errors of O(1)).
    private const double H = 1e-4;
    private const double Tolerance = 1e-5;

    [Theory]
    [MemberData(nameof(Systems))]
    public void Gradient_laplacian_and_parameter_derivatives_match_finite_differences(string name)
    {
        var system = Create(name);
        var n = system.CoordinateCount;
        var p = new double[system.ParameterNames.Count];
        system.InitialParameters(p);
        p[0] += 0.13;
        if (p.Length > 1)
        {
            p[1] = 0.37;
        }

        var random = Xoshiro256StarStar.Create(3, 0);
        var x = new double[n];
        var gradient = new double[n];
        var derivatives = new double[p.Length];
        for (var trial = 0; trial < 20; trial++)
        {
            system.InitialPositions(ref random, x);
            var laplacian = system.GradientAndLaplacian(p, x, gradient);
            var fdLaplacian = 0.0;
            var f0 = system.LogPsi(p, x);
            for (var k = 0; k < n; k++)
            {
                var save = x[k];
                x[k] = save + H;
                var fp = system.LogPsi(p, x);
                x[k] = save - H;
                var fm = system.LogPsi(p, x);
                x[k] = save;
                Assert.InRange(gradient[k] - ((fp - fm) / (2 * H)), -Tolerance, Tolerance);
                fdLaplacian += (fp - (2 * f0) + fm) / (H * H);
            }

            Assert.InRange(laplacian - fdLaplacian, -1e3 * Tolerance, 1e3 * Tolerance);

            system.ParameterDerivatives(p, x, derivatives);
            for (var j = 0; j < p.Length; j++)
            {
                var save = p[j];
                p[j] = save + H;
                var fp = system.LogPsi(p, x);
                p[j] = save - H;
                var fm = system.LogPsi(p, x);
                p[j] = save;
                Assert.InRange(derivatives[j] - ((fp - fm) / (2 * H)), -Tolerance, Tolerance);
            }
        }
    }

    [Fact]
    public void Hydrogen_local_energy_is_exactly_minus_one_half_at_alpha_one()
    {
        var system = new HydrogenAtom();
        double[] p = [1.0];
        var random = Xoshiro256StarStar.Create(5, 0);
        var x = new double[3];
        var gradient = new double[3];
        for (var trial = 0; trial < 100; trial++)
        {
            system.InitialPositions(ref random, x);
            LocalEnergy.Evaluate(system, p, x, gradient, out var kinetic, out var potential);

            // Zero variance principle: only rounding separates E_L from −1/2.
            Assert.Equal(-0.5, kinetic + potential, 12);
        }
    }

    [Fact]
    public void Factory_creates_the_configured_system()
    {
        Assert.Equal(["alpha", "beta"], WavefunctionSystemFactory.Create(new TrainingOptions()).ParameterNames);
        Assert.Equal(["alpha"], WavefunctionSystemFactory.Create(new TrainingOptions { FixJastrow = true }).ParameterNames);
        Assert.Equal("H2", WavefunctionSystemFactory.Create(new TrainingOptions { System = TrainingSystem.H2 }).Name);
    }
}
