namespace Jaqmc.Training.Systems;

/// <summary>Distances between points stored in flattened coordinate spans.</summary>
internal static class Geometry
{
    /// <summary>|r| of the point starting at <paramref name="offset"/>.</summary>
    public static double Norm(ReadOnlySpan<double> x, int offset)
    {
        var a = x[offset];
        var b = x[offset + 1];
        var c = x[offset + 2];
        return Math.Sqrt((a * a) + (b * b) + (c * c));
    }

    /// <summary>|r_i − r_j| for the points starting at <paramref name="i"/> and <paramref name="j"/>.</summary>
    public static double Distance(ReadOnlySpan<double> x, int i, int j)
    {
        var a = x[i] - x[j];
        var b = x[i + 1] - x[j + 1];
        var c = x[i + 2] - x[j + 2];
        return Math.Sqrt((a * a) + (b * b) + (c * c));
    }

    /// <summary>Distance from the point at <paramref name="offset"/> to (0, 0, <paramref name="z"/>).</summary>
    public static double DistanceToAxisPoint(ReadOnlySpan<double> x, int offset, double z)
    {
        var a = x[offset];
        var b = x[offset + 1];
        var c = x[offset + 2] - z;
        return Math.Sqrt((a * a) + (b * b) + (c * c));
    }
}
