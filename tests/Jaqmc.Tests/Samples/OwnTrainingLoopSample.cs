using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Tests.EndToEnd;
using Jaqmc.Tests.Sinks.Csv;

namespace Jaqmc.Tests.Samples;

/// <summary>Runs samples/OwnTrainingLoop as a child process and reads what it leaves in its working directory.</summary>
internal static class OwnTrainingLoopSample
{
    public const int Steps = 600;
    public const int CheckpointEvery = 50;

    public static string Dll
    {
        get
        {
            // Built beside this assembly's configuration and framework (the test project references it, unreferenced).
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(JaqmcProcess.RepositoryRoot, "samples", "OwnTrainingLoop", "bin", here.Parent!.Name, here.Name, "Jaqmc.Samples.OwnTrainingLoop.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build tests/Jaqmc.Tests (it references samples/OwnTrainingLoop).");
            return path;
        }
    }

    public static string NewDirectory(string scenario)
    {
        var directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "own-training-loop", scenario + "-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Starts the sample on <paramref name="directory"/>; <paramref name="stepDelay"/> makes each step that much
    /// slower, and <paramref name="extra"/> adds settings.
    /// </summary>
    public static JaqmcProcess Start(string directory, TimeSpan stepDelay = default, IEnumerable<string>? extra = null) =>
        JaqmcProcess.Start(
            [
                Dll,
                "--Run:WorkingDirectory=" + directory,
                "--Training:Steps=" + Steps.ToString(CultureInfo.InvariantCulture),
                "--Training:CheckpointEvery=" + CheckpointEvery.ToString(CultureInfo.InvariantCulture),
                "--Training:Seed=7",
                "--Training:StepDelay=" + stepDelay.ToString("c", CultureInfo.InvariantCulture),

                // Rows reach the files sooner than by default (1 s), so a kill finds rows past the checkpoint on disk.
                "--Writers:Csv:FlushInterval=00:00:00.050",
                "--Writers:Hdf5:FlushInterval=00:00:00.050",
                .. extra ?? [],
            ],
            workingDirectory: directory,
            sampleHost: true);

    /// <summary>Runs the sample on <paramref name="directory"/> until it exits, and asserts that it succeeded.</summary>
    public static async Task<JaqmcProcess> RunToCompletionAsync(string directory)
    {
        var p = Start(directory);
        await p.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(p.ExitCode == 0, $"the sample exited {p.ExitCode}:\n{p.Stdout}\n{p.Stderr}");
        return p;
    }

    public static string CheckpointPath(string directory) => Path.Combine(directory, "checkpoint.json");

    /// <summary>The last completed step the checkpoint holds.</summary>
    public static long CheckpointStep(string directory)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(CheckpointPath(directory)));
        return json.RootElement.GetProperty("Step").GetInt64();
    }

    /// <summary>Waits until the sample has saved its first checkpoint (the file appears by an atomic rename).</summary>
    public static async Task WaitForCheckpointAsync(JaqmcProcess p, string directory)
    {
        var watch = Stopwatch.StartNew();
        while (!File.Exists(CheckpointPath(directory)))
        {
            if (p.HasExited)
            {
                await p.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Fail($"the sample exited ({p.ExitCode}) before its first checkpoint:\n{p.Stdout}\n{p.Stderr}");
            }

            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"no checkpoint within two minutes:\n{p.Stdout}\n{p.Stderr}");
            await Task.Delay(10);
        }
    }

    /// <summary>The step of the last complete row in the CSV file while the sample may be appending to it; -1 when none.</summary>
    public static long LastCsvStep(string directory)
    {
        var path = Path.Combine(directory, "train_stats.csv");
        if (!File.Exists(path))
        {
            return -1;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var text = new StreamReader(stream).ReadToEnd();
        var lines = text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length < 2 ? -1 : long.Parse(lines[^1].AsSpan(0, lines[^1].IndexOf(',')), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until the CSV file holds a row past the checkpoint: rows a killed run leaves there are the ones its
    /// resume must drop and write again. Returns early when the sample exits.
    /// </summary>
    public static async Task WaitForRowsPastCheckpointAsync(JaqmcProcess p, string directory)
    {
        var watch = Stopwatch.StartNew();
        while (!p.HasExited && LastCsvStep(directory) <= CheckpointStep(directory))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"no row past the checkpoint within two minutes:\n{p.Stdout}\n{p.Stderr}");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// The CSV file holds exactly one row per step 0..Steps-1 and is byte for byte the reference run's; the HDF5
    /// file holds the same steps and, bit for bit, the reference run's values.
    /// </summary>
    public static void AssertSameAsReference(string referenceDirectory, string directory)
    {
        var everyStep = Enumerable.Range(0, Steps).Select(s => (long)s).ToArray();
        var csv = Path.Combine(directory, "train_stats.csv");
        var referenceCsv = Path.Combine(referenceDirectory, "train_stats.csv");
        Assert.Equal(everyStep, CsvTestFiles.Read(csv).Select(r => r.Step));
        Assert.True(
            File.ReadAllBytes(referenceCsv).AsSpan().SequenceEqual(File.ReadAllBytes(csv)),
            $"{csv} differs from the uninterrupted run's {referenceCsv}");

        var expected = Hdf5StatsReader.Read(Path.Combine(referenceDirectory, "train_stats.h5"));
        var actual = Hdf5StatsReader.Read(Path.Combine(directory, "train_stats.h5"));
        Assert.Equal(everyStep, actual.Steps);
        Assert.Equal(expected.Columns.Keys.Order(StringComparer.Ordinal), actual.Columns.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, column) in expected.Columns)
        {
            Assert.True(
                column.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Columns[key].Select(BitConverter.DoubleToInt64Bits)),
                $"train_stats.h5 column '{key}' differs from the uninterrupted run's");
        }
    }
}
