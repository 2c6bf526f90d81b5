namespace Jaqmc.Training.Sampling;

/// <summary>Per-walker results of one sweep, reused from step to step so the loop does not allocate.</summary>
internal sealed class WalkerSamples
{
    /// <summary>Allocates buffers for <paramref name="walkers"/> walkers, <paramref name="parameters"/> parameters and <paramref name="blocks"/> blocks.</summary>
    public WalkerSamples(int walkers, int parameters, int blocks)
    {
        Walkers = walkers;
        ParameterCount = parameters;
        Kinetic = new double[walkers];
        Potential = new double[walkers];
        ParameterDerivatives = new double[checked(walkers * parameters)];
        AcceptedPerBlock = new long[blocks];
    }

    /// <summary>The number of walkers.</summary>
    public int Walkers { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>Local kinetic energy per walker.</summary>
    public double[] Kinetic { get; }

    /// <summary>Potential energy per walker.</summary>
    public double[] Potential { get; }

    /// <summary>∂ ln ψ / ∂θ, <see cref="ParameterCount"/> per walker.</summary>
    public double[] ParameterDerivatives { get; }

    /// <summary>Accepted Metropolis moves per block in the last sweep.</summary>
    public long[] AcceptedPerBlock { get; }

    /// <summary>The local energy of walker <paramref name="w"/>.</summary>
    public double LocalEnergy(int w) => Kinetic[w] + Potential[w];
}
