namespace Jaqmc.Training.Sampling;

/// <summary>
/// A small, fast pseudo-random generator (the xoshiro256** algorithm of Blackman and Vigna) whose whole state is
/// four integers, so it can be checkpointed and restored exactly; <see cref="Random"/> cannot be.
/// </summary>
/// <remarks>A mutable struct: keep it in an array slot or a local and pass it by reference.</remarks>
internal struct Xoshiro256StarStar
{
    /// <summary>The number of 64-bit words of state.</summary>
    public const int StateLength = 4;

    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>
    /// Creates the stream for (<paramref name="seed"/>, <paramref name="stream"/>): the pair is mixed with SplitMix64
    /// so that neighbouring streams (walker blocks) are statistically unrelated.
    /// </summary>
    public static Xoshiro256StarStar Create(long seed, long stream)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)stream + 0xD1B54A32D192ED03UL) * 0xBF58476D1CE4E5B9UL);
        var g = new Xoshiro256StarStar
        {
            _s0 = SplitMix64(ref x),
            _s1 = SplitMix64(ref x),
            _s2 = SplitMix64(ref x),
            _s3 = SplitMix64(ref x),
        };

        // An all-zero state would emit zeros forever; SplitMix64 makes it practically impossible, but be sure.
        if ((g._s0 | g._s1 | g._s2 | g._s3) == 0)
        {
            g._s0 = 1;
        }

        return g;
    }

    /// <summary>Restores a generator from <see cref="CopyStateTo"/>'s output.</summary>
    public static Xoshiro256StarStar FromState(ReadOnlySpan<ulong> state) =>
        new() { _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3] };

    /// <summary>Copies the state (four words) into <paramref name="destination"/>.</summary>
    public readonly void CopyStateTo(Span<ulong> destination)
    {
        destination[0] = _s0;
        destination[1] = _s1;
        destination[2] = _s2;
        destination[3] = _s3;
    }

    /// <summary>Returns the next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns a uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (long)(NextUInt64() >> 11) * (1.0 / (1L << 53));

    /// <summary>Returns one standard normal deviate (ziggurat method; see <see cref="NormalZiggurat"/>).</summary>
    public double NextGaussian()
    {
        var bits = NextUInt64();
        var layer = (int)(bits & (NormalZiggurat.Layers - 1));
        var u = SignedUniform(bits);
        return Math.Abs(u) < NormalZiggurat.InnerRatios[layer] ? u * NormalZiggurat.Edges[layer] : GaussianOutsideBox(layer, u);
    }

    /// <summary>Fills <paramref name="destination"/> with standard normal deviates, the same ones <see cref="NextGaussian"/> would give.</summary>
    /// <remarks>
    /// The hot path of the sampler. The state is held in locals so it stays in registers: advancing it through
    /// <c>this</c> on every draw chains each draw to the previous one's stores, which costs more than the arithmetic.
    /// </remarks>
    public void FillGaussian(Span<double> destination)
    {
        var edges = NormalZiggurat.Edges;
        var ratios = NormalZiggurat.InnerRatios;
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (var i = 0; i < destination.Length; i++)
        {
            // NextUInt64, inlined on the locals.
            var bits = ulong.RotateLeft(s1 * 5, 7) * 9;
            var t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = ulong.RotateLeft(s3, 45);

            var layer = (int)(bits & (NormalZiggurat.Layers - 1));
            var u = SignedUniform(bits);
            if (Math.Abs(u) < ratios[layer])
            {
                destination[i] = u * edges[layer];
                continue;
            }

            // The rare rest (about 2 %) goes through the fields.
            (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
            destination[i] = GaussianOutsideBox(layer, u);
            (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        }

        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// A uniform in [−1, 1) from the top 53 bits; the layer index comes from the low 7, so they do not overlap.
    /// Converted through long: x64 has no direct unsigned-to-double instruction, and 53 bits fit either way.
    /// </summary>
    private static double SignedUniform(ulong bits) => ((long)(bits >> 11) * (2.0 / (1L << 53))) - 1.0;

    /// <summary>Finishes a draw whose point fell outside its layer's inner box: the tail, a wedge, or a retry.</summary>
    private double GaussianOutsideBox(int layer, double u)
    {
        if (layer == 0)
        {
            return Tail(u < 0.0);
        }

        // The wedge between this layer's box and the density. f(x)/f(edge) ≥ 1 ≥ f(x)/f(next edge): a uniform
        // point between them that lies below 1 lies under the density.
        var edges = NormalZiggurat.Edges;
        var x = u * edges[layer];
        var relativeToNextEdge = Math.Exp(-0.5 * ((edges[layer + 1] * edges[layer + 1]) - (x * x)));
        var relativeToEdge = Math.Exp(-0.5 * ((edges[layer] * edges[layer]) - (x * x)));
        return relativeToNextEdge + (NextDouble() * (relativeToEdge - relativeToNextEdge)) < 1.0 ? x : NextGaussian();
    }

    /// <summary>A deviate beyond <see cref="NormalZiggurat.TailStart"/> (Marsaglia's exponential rejection).</summary>
    private double Tail(bool negative)
    {
        double x, y;
        do
        {
            // 1 − U lies in (0, 1], so the logarithms are finite.
            x = Math.Log(1.0 - NextDouble()) / NormalZiggurat.TailStart;
            y = Math.Log(1.0 - NextDouble());
        }
        while (-2.0 * y < x * x);

        return negative ? x - NormalZiggurat.TailStart : NormalZiggurat.TailStart - x;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
