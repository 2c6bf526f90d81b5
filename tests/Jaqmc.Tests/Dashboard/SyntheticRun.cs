using System.Globalization;
using System.Text;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Tests.Dashboard;

/// <summary>A run directory with a <c>train_stats.csv</c> (or <c>.h5</c>) of known values, in the writers' formats: the API's figures are checked against these.</summary>
internal sealed class SyntheticRun
{
    private SyntheticRun(string directory, long[] steps, double[] energy, double[] pmove, double[] variance)
    {
        Directory = directory;
        Steps = steps;
        Energy = energy;
        Pmove = pmove;
        Variance = variance;
    }

    public string Directory { get; }

    public long[] Steps { get; }

    /// <summary>The <c>total_energy</c> column: a noisy decay with a spike at step 777 and NaN at step 901.</summary>
    public double[] Energy { get; }

    /// <summary>The <c>pmove</c> column.</summary>
    public double[] Pmove { get; }

    private double[] Variance { get; }

    public static SyntheticRun Write(string directory, int steps, int seed, long firstStep = 0)
    {
        var run = Generate(directory, steps, seed, firstStep);
        System.IO.Directory.CreateDirectory(directory);
        var csv = new StringBuilder("step,pmove,total_energy,total_energy_var\r\n");
        for (var i = 0; i < steps; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{run.Steps[i]},{run.Pmove[i]:R},{run.Energy[i]:R},{run.Variance[i]:R}\r\n");
        }

        File.WriteAllText(Path.Combine(directory, "train_stats.csv"), csv.ToString());
        return run;
    }

    /// <summary>
    /// Writes rows [<paramref name="from"/>, <paramref name="to"/>) of the run of <paramref name="steps"/> steps to
    /// <c>train_stats.h5</c> through the HDF5 writer, as a stage opened at initial step <paramref name="from"/> does:
    /// rows at or after it are discarded first.
    /// </summary>
    public static async Task<SyntheticRun> WriteHdf5Async(string directory, int steps, int seed, int from, int to)
    {
        var run = Generate(directory, steps, seed, 0);
        var keys = new StatsKeys("pmove", "total_energy", "total_energy_var");
        await WriteHdf5Async(directory, from, [.. Enumerable.Range(from, to - from).Select(i => new StatsRecord("train", i, keys, [run.Pmove[i], run.Energy[i], run.Variance[i]]))]);
        return run;
    }

    /// <summary>Writes <paramref name="records"/> to <c>train_stats.h5</c> through the HDF5 writer, its stage opened at <paramref name="initialStep"/>.</summary>
    public static async Task WriteHdf5Async(string directory, long initialStep, IReadOnlyList<StatsRecord> records)
    {
        System.IO.Directory.CreateDirectory(directory);
        await using var writer = new Hdf5StatsWriter(new Hdf5WriterOptions(), NullLogger<Hdf5StatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(directory, "train", initialStep, "synthetic"), CancellationToken.None);
        await writer.WriteAsync(records, CancellationToken.None);
        await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
    }

    /// <summary>The values <see cref="Write"/> and <see cref="WriteHdf5Async"/> would write, without a file.</summary>
    public static SyntheticRun Values(int steps, int seed) => Generate(string.Empty, steps, seed, 0);

    private static SyntheticRun Generate(string directory, int steps, int seed, long firstStep)
    {
        var random = new Random(seed);
        var stepList = new long[steps];
        var (energy, pmove, variance) = (new double[steps], new double[steps], new double[steps]);
        for (var i = 0; i < steps; i++)
        {
            var step = firstStep + i;
            stepList[i] = step;
            energy[i] = step == 777 ? 5.0 : step == 901 ? double.NaN : -2.9 + Math.Exp(-step / 300.0) + (random.NextDouble() - 0.5) * 0.05;
            pmove[i] = 0.5 + (random.NextDouble() * 0.05);
            variance[i] = 0.1 + (random.NextDouble() * 0.01);
        }

        return new SyntheticRun(directory, stepList, energy, pmove, variance);
    }
}
