using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Jaqmc.Tests.Sinks.Hdf5;

/// <summary>
/// Kills a process that writes statistics at full speed (tests/Jaqmc.Hdf5CrashChild) with SIGKILL at random
/// moments, and checks after each kill that h5py opens the file, that every row up to the shortest dataset is
/// exact, and that the next process resumes from a step before that length.
/// </summary>
public sealed class Hdf5CrashTests : IDisposable
{
    // Fixed so a failure reproduces; JAQMC_CRASH_SEED overrides it to explore other kill moments.
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("JAQMC_CRASH_SEED"), out var seed) ? seed : 20261125;
    private const int Kills = 32;

    /// <summary>
    /// Checks the file with h5py: steps 0..n-1 and, per key dataset, the child's formula
    /// <c>step * 0.5 + i * 1e-3</c> (key <c>kNN</c> is i = NN, <c>late/key</c> is i = 20 and NaN before step 3000).
    /// </summary>
    private const string CheckScript = """
        import json, sys
        import h5py, numpy as np
        with h5py.File(sys.argv[1], "r") as f:
            lengths = {name: int(f[name].shape[0]) for name in f}
            n = min(lengths.values())
            bad = []
            if not np.array_equal(f["step"][:n], np.arange(n, dtype=np.int64)):
                bad.append("step")
            s = np.arange(n, dtype=np.float64)
            for name in f:
                if name == "step":
                    continue
                key = f[name].attrs["key"]
                i = 20 if key == "late/key" else int(key[1:])
                want = s * 0.5 + i * 1e-3
                if key == "late/key":
                    want[:3000] = np.nan
                if not np.array_equal(f[name][:n], want, equal_nan=True):
                    bad.append(key)
        print(json.dumps({"length": n, "lengths": lengths, "bad": bad}))
        """;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", nameof(Hdf5CrashTests), Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public Hdf5CrashTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_directory);
    }

    private string FilePath => Path.Combine(_directory, "train_stats.h5");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task KilledWriter_LeavesAReadableFileWithExactRows_AndResumes()
    {
        var child = ChildPath();
        var random = new Random(Seed);
        _output.WriteLine($"seed {Seed}");
        long initialStep = 0;
        var clock = Stopwatch.StartNew();
        var openMs = 50.0;
        for (var kill = 0; kill < Kills; kill++)
        {
            // Kinds of kill, in turn: while rows stream in; right after the open (the first appends to a resumed
            // file); inside the open itself (on resume: the copy of the valid rows into a fresh file, its close,
            // fsync and rename), aimed with the duration of the previous open; anywhere from process start.
            var kind = (Kind)(kill % 4);
            var delay = kind switch
            {
                Kind.Streaming => random.Next(0, 400),
                Kind.AfterOpen => random.Next(0, 30),
                Kind.InsideOpen => random.Next(0, (int)Math.Max(1, openMs) + 1),
                _ => random.Next(50, 300),
            };
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { child, _directory, initialStep.ToString(CultureInfo.InvariantCulture), kill.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(arg);
            }

            using (var process = Process.Start(info)!)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                if (kind != Kind.FromStart)
                {
                    var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.True(line == "opening", $"kill {kill}: the child did not start: {line} {(process.HasExited ? await stderr : string.Empty)}");
                }

                if (kind is Kind.Streaming or Kind.AfterOpen)
                {
                    var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.True(line?.StartsWith("ready ", StringComparison.Ordinal) == true, $"kill {kill}: the child did not open the file: {line} {(process.HasExited ? await stderr : string.Empty)}");
                    openMs = double.Parse(line!["ready ".Length..], CultureInfo.InvariantCulture);
                }

                await Task.Delay(delay);
                Assert.False(process.HasExited, $"kill {kill}: the child exited by itself: {(process.HasExited ? await stderr : string.Empty)}");

                // Process.Kill sends SIGKILL on Unix: no handler, no flush, no close.
                process.Kill();
                await process.WaitForExitAsync();
            }

            var when = kind switch
            {
                Kind.Streaming or Kind.AfterOpen => "after ready",
                Kind.InsideOpen => "after opening",
                _ => "after start",
            };
            var (length, lengths) = Check($"kill {kill} (initial step {initialStep}, {delay} ms {when})");
            Assert.True(length >= initialStep, $"kill {kill}: the file lost rows before the resume step {initialStep}: {length} rows");
            Assert.Equal(length, Hdf5StatsReader.Read(FilePath).Steps.LongLength);
            Assert.Empty(Directory.GetFiles(_directory, "*.corrupt-*"));
            _output.WriteLine($"kill {kill}: initial step {initialStep}, killed {delay} ms {when} (last open took {openMs:F0} ms), {length} valid rows, lengths {string.Join(" ", lengths.Distinct())}");

            initialStep = random.Next(0, (int)Math.Min(length, int.MaxValue - 1) + 1);
        }

        // A last resume in this process: the rows before the resume step and the new ones, all datasets equal.
        await using (var writer = new Hdf5StatsWriter(new Hdf5WriterOptions(), NullLogger<Hdf5StatsWriter>.Instance))
        {
            var keys = new StatsKeys(Enumerable.Range(0, 20).Select(i => $"k{i:00}").Append("late/key"));
            await writer.OpenAsync(new WriterContext(_directory, "train", initialStep, "crash"), CancellationToken.None);
            var records = Enumerable.Range(0, 10)
                .Select(r => initialStep + r)
                .Select(s => new StatsRecord("train", s, keys, Enumerable.Range(0, 21).Select(i => i == 20 && s < 3000 ? double.NaN : (s * 0.5) + (i * 1e-3)).ToArray()))
                .ToList();
            await writer.WriteAsync(records, CancellationToken.None);
            await writer.CloseAsync(StageOutcome.Completed, CancellationToken.None);
        }

        var (final, finalLengths) = Check("final resume");
        Assert.Equal(initialStep + 10, final);
        Assert.All(finalLengths, l => Assert.Equal(final, l));
        Assert.Equal(Enumerable.Range(0, (int)final).Select(s => (long)s), Hdf5StatsReader.Read(FilePath).Steps);
        _output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private enum Kind
    {
        Streaming,
        AfterOpen,
        InsideOpen,
        FromStart,
    }

    private (long Length, long[] Lengths) Check(string when)
    {
        Assert.True(File.Exists(FilePath), $"{when}: no file");
        using var result = JsonDocument.Parse(ExternalTools.RunPython(CheckScript, FilePath));
        var bad = result.RootElement.GetProperty("bad").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(bad.Count == 0, $"{when}: rows before the shortest length differ in {string.Join(", ", bad)}");
        var lengths = result.RootElement.GetProperty("lengths").EnumerateObject().Select(p => p.Value.GetInt64()).ToArray();
        return (result.RootElement.GetProperty("length").GetInt64(), lengths);
    }

    /// <summary>The child's assembly, built beside this one (same configuration and target framework).</summary>
    private static string ChildPath()
    {
        // .../tests/Jaqmc.Tests/bin/<Configuration>/<tfm>/ → .../tests/Jaqmc.Hdf5CrashChild/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var tests = here.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "Jaqmc.Hdf5CrashChild", "bin", configuration, tfm, "Jaqmc.Hdf5CrashChild.dll");
        Assert.True(File.Exists(path), $"The crash child is not built at {path}: build tests/Jaqmc.Tests (it references tests/Jaqmc.Hdf5CrashChild).");
        return path;
    }
}
