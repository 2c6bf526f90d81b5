namespace Jaqmc.Training.Sampling;

/// <summary>
/// Tables of the ziggurat method (Marsaglia and Tsang, 2000) for the standard normal distribution, in the
/// 128-layer form with double-precision boundaries described by Doornik (2005). About 98 % of deviates cost one
/// random word, one table lookup and a multiply, several times cheaper than the polar method's logarithm and
/// square root; the sampler draws six deviates per Metropolis move, so this is its hot path.
/// </summary>
/// <remarks>The tables are computed once and never written afterwards.</remarks>
internal static class NormalZiggurat
{
    /// <summary>The number of layers (a power of two: the layer index is taken from the low bits of a draw).</summary>
    public const int Layers = 128;

    /// <summary>The start of the tail, the right edge of the base layer.</summary>
    public const double TailStart = 3.442619855899;

    /// <summary>The area of each layer.</summary>
    private const double LayerArea = 9.91256303526217e-3;

    /// <summary>Right edges of the layers, widest (the base, extended to hold the tail's area) first; one extra 0 at the top.</summary>
    public static readonly double[] Edges = ComputeEdges();

    /// <summary>Edges[i + 1] / Edges[i]: a uniform below this falls wholly inside the next layer up, accept at once.</summary>
    public static readonly double[] InnerRatios = ComputeRatios(Edges);

    private static double[] ComputeEdges()
    {
        var x = new double[Layers + 1];
        var density = Math.Exp(-0.5 * TailStart * TailStart);

        // The base layer is a rectangle of the common area whose width covers the tail too.
        x[0] = LayerArea / density;
        x[1] = TailStart;
        for (var i = 2; i < Layers; i++)
        {
            // Each layer has area LayerArea: x_i (f(x_i) − f(x_{i−1})) = V, solved for x_i.
            x[i] = Math.Sqrt(-2.0 * Math.Log((LayerArea / x[i - 1]) + density));
            density = Math.Exp(-0.5 * x[i] * x[i]);
        }

        x[Layers] = 0.0;
        return x;
    }

    private static double[] ComputeRatios(double[] edges)
    {
        var r = new double[Layers];
        for (var i = 0; i < Layers; i++)
        {
            r[i] = edges[i + 1] / edges[i];
        }

        return r;
    }
}
