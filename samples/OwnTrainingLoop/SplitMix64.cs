namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>
/// A small deterministic random generator whose whole state is one number, so a checkpoint can save it and a
/// resumed run draws exactly what an uninterrupted one would. (<see cref="Random"/>'s state cannot be saved.)
/// </summary>
public sealed class SplitMix64(ulong state)
{
    /// <summary>The state: save it, and pass it to the constructor to continue the sequence.</summary>
    public ulong State { get; private set; } = state;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="count"/>).</summary>
    public int NextIndex(int count) => (int)(NextDouble() * count);

    /// <summary>A standard normal deviate (Box–Muller).</summary>
    public double NextGaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble())) * Math.Cos(2.0 * Math.PI * NextDouble());
}
