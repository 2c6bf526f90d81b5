using System.Globalization;
using System.Text;

namespace Jaqmc.Tests.Dashboard;

/// <summary>A run directory with a <c>train_stats.csv</c> of known values, in the CSV writer's dialect: the API's figures are checked against these.</summary>
internal sealed class SyntheticRun
{
    private SyntheticRun(string directory, long[] steps, double[] energy)
    {
        Directory = directory;
        Steps = steps;
        Energy = energy;
    }

    public string Directory { get; }

    public long[] Steps { get; }

    /// <summary>The <c>total_energy</c> column: a noisy decay with a spike at step 777 and NaN at step 901.</summary>
    public double[] Energy { get; }

    public static SyntheticRun Write(string directory, int steps, int seed, long firstStep = 0)
    {
        System.IO.Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var stepList = new long[steps];
        var energy = new double[steps];
        var csv = new StringBuilder("step,pmove,total_energy,total_energy_var\r\n");
        for (var i = 0; i < steps; i++)
        {
            var step = firstStep + i;
            stepList[i] = step;
            energy[i] = step == 777 ? 5.0 : step == 901 ? double.NaN : -2.9 + Math.Exp(-step / 300.0) + (random.NextDouble() - 0.5) * 0.05;
            csv.Append(CultureInfo.InvariantCulture, $"{step},{0.5 + (random.NextDouble() * 0.05):R},{energy[i]:R},{0.1 + (random.NextDouble() * 0.01):R}\r\n");
        }

        File.WriteAllText(Path.Combine(directory, "train_stats.csv"), csv.ToString());
        return new SyntheticRun(directory, stepList, energy);
    }
}
