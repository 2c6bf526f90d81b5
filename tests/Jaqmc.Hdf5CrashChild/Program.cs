using System.Globalization;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Hdf5CrashChild;

/// <summary>
/// Writes statistics to <c>{directory}/train_stats.h5</c> from a resume step on, as fast as it can, flushing after
/// every batch, until it is killed. Usage: <c>Jaqmc.Hdf5CrashChild directory initialStep seed</c>.
/// Prints <c>opening</c> before it opens the file and <c>ready &lt;ms the open took&gt;</c> once it is open.
/// </summary>
internal static class Program
{
    /// <summary>The step from which the late key is present (it gets a dataset mid-stage).</summary>
    public const long LateKeyFrom = 3000;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length != 3)
        {
            await Console.Error.WriteLineAsync("usage: Jaqmc.Hdf5CrashChild <directory> <initialStep> <seed>");
            return 2;
        }

        var directory = args[0];
        var initialStep = long.Parse(args[1], CultureInfo.InvariantCulture);
        var random = new Random(int.Parse(args[2], CultureInfo.InvariantCulture));

        // Values are a pure function of (step, key index) so the test can check every row it reads back; the test
        // holds the same formula.
        var keys = new StatsKeys(Enumerable.Range(0, 20).Select(i => $"k{i:00}"));
        var withLate = new StatsKeys(keys.Append("late/key"));

        // JAQMC_CRASH_CHUNK_SIZE: short chunks make the rare events of a long run (a new `step` chunk, a chunk index
        // node that splits) happen every few hundred rows.
        var options = new Hdf5WriterOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("JAQMC_CRASH_CHUNK_SIZE"), CultureInfo.InvariantCulture, out var chunkSize))
        {
            options.ChunkSize = chunkSize;
        }

        await using var writer = new Hdf5StatsWriter(options, NullLogger<Hdf5StatsWriter>.Instance);
        // "opening" then "ready <ms>": the test uses the time the open took (on resume: the copy into a fresh file
        // and the rename) to aim kills inside it.
        Console.WriteLine("opening");
        Console.Out.Flush();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await writer.OpenAsync(new WriterContext(directory, "train", initialStep, "crash"), CancellationToken.None);
        Console.WriteLine($"ready {clock.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)}");
        Console.Out.Flush();

        var step = initialStep;
        while (true)
        {
            var batch = new StatsRecord[random.Next(1, 1500)];
            for (var r = 0; r < batch.Length; r++, step++)
            {
                var k = step >= LateKeyFrom ? withLate : keys;
                var values = new double[k.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (step * 0.5) + (i * 1e-3);
                }

                batch[r] = new StatsRecord("train", step, k, values);
            }

            await writer.WriteAsync(batch, CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }
    }
}
