namespace Jaqmc.Training.Estimators;

/// <summary>
/// The standard error of the mean of a correlated series by Flyvbjerg–Petersen blocking: neighbouring values are
/// averaged pairwise until the naive error estimate stops growing (the blocks are then effectively independent).
/// </summary>
internal static class BlockingAnalysis
{
    /// <summary>Fewer blocks than this make the error estimate itself too noisy to use.</summary>
    private const int MinimumBlocks = 16;

    /// <summary>Returns the mean and its autocorrelation-corrected standard error (NaN error for fewer than 2 values).</summary>
    public static (double Mean, double StandardError) Analyse(IReadOnlyList<double> series)
    {
        var n = series.Count;
        if (n == 0)
        {
            return (double.NaN, double.NaN);
        }

        var data = series.ToArray();
        var mean = 0.0;
        foreach (var x in data)
        {
            mean += x;
        }

        mean /= n;
        if (n < 2)
        {
            return (mean, double.NaN);
        }

        var best = NaiveError(data, n, mean);
        var length = n;
        while (length / 2 >= MinimumBlocks)
        {
            var previous = best;
            var previousLength = length;
            length /= 2;
            for (var i = 0; i < length; i++)
            {
                data[i] = 0.5 * (data[2 * i] + data[(2 * i) + 1]);
            }

            // The mean of the shortened series differs when an odd element was dropped.
            var blockMean = 0.0;
            for (var i = 0; i < length; i++)
            {
                blockMean += data[i];
            }

            blockMean /= length;
            var error = NaiveError(data, length, blockMean);

            // The plateau: stop once the estimate no longer rises by more than its own uncertainty,
            // σ(SE) ≈ SE / √(2 (m − 1)) for m blocks.
            var uncertainty = previous / Math.Sqrt(2.0 * (previousLength - 1));
            best = Math.Max(previous, error);
            if (error <= previous + uncertainty)
            {
                break;
            }
        }

        return (mean, best);
    }

    private static double NaiveError(double[] data, int length, double mean)
    {
        var q = 0.0;
        for (var i = 0; i < length; i++)
        {
            var d = data[i] - mean;
            q += d * d;
        }

        return Math.Sqrt(q / ((double)length * (length - 1)));
    }
}
