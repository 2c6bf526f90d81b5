using System.Diagnostics;
using System.Globalization;

namespace Jaqmc.Benchmarks.WholeProcess;

/// <summary>
/// Runs the jaqmc program as a user does (<c>dotnet jaqmc.dll --Training:System=He ...</c>, one process per run) in a
/// fresh working directory and times it from spawn to exit.
/// </summary>
internal sealed class JaqmcLauncher(int steps, int evaluationSteps, IReadOnlyList<string> writers, IReadOnlyDictionary<string, string> environment, bool sampleThreads = false)
{
    private static readonly Lock CurrentLock = new();
    private static (Process Process, string Directory)? _current;
    /// <summary>The writers the program enables by default (appsettings.json); PostgreSQL only with a connection string.</summary>
    public static readonly string[] DefaultWriters = ["Console", "Csv", "Hdf5"];

    /// <summary>The command line of one run, for the report (the working directory is a placeholder).</summary>
    public string Describe(Variant variant, bool withWriters) =>
        string.Join(' ', [.. CommandHelpers.JaqmcCommand(variant.Dll), .. Arguments("DIR", withWriters)]);

    /// <summary>Runs the program once; throws with the tail of its output when it fails or writes the wrong files.</summary>
    public async Task<RunTiming> RunAsync(Variant variant, bool withWriters)
    {
        var directory = Path.Combine(Path.GetTempPath(), "jaqmc-whole-process", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var command = CommandHelpers.JaqmcCommand(variant.Dll);
            var info = new ProcessStartInfo(command[0])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            foreach (var argument in command.Skip(1))
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var argument in Arguments(directory, withWriters))
            {
                info.ArgumentList.Add(argument);
            }

            // The user's own JAQMC_ settings (a PostgreSQL connection string, say) would add a writer to one side only.
            foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("JAQMC_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                info.Environment.Remove(key);
            }

            foreach (var (key, value) in environment.Concat(variant.Environment))
            {
                info.Environment[key] = value;
            }

            var tail = new Queue<string>();
            void Keep(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > 20)
                    {
                        tail.Dequeue();
                    }
                }
            }

            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);

            var cpuBefore = ChildCpu.Seconds();
            var watch = Stopwatch.StartNew();
            process.Start();
            lock (CurrentLock)
            {
                _current = (process, directory);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var sampler = sampleThreads ? new ChildThreadSampler(process.Id) : null;
            await process.WaitForExitAsync();
            var wall = watch.Elapsed.TotalSeconds;
            if (sampler is not null)
            {
                await sampler.DisposeAsync();
            }

            lock (CurrentLock)
            {
                _current = null;
            }

            // WaitForExitAsync returns once the child is reaped, so its CPU time is in cutime/cstime now.
            var cpu = ChildCpu.Seconds() - cpuBefore;
            if (process.ExitCode != 0 || Check(directory, withWriters) is { } problem)
            {
                lock (tail)
                {
                    throw new InvalidOperationException(
                        $"whole-process: a run {(withWriters ? "with" : "without")} writers failed (exit code {process.ExitCode}{(process.ExitCode == 0 ? ", " + Check(directory, withWriters) : string.Empty)}); its last lines:\n{string.Join('\n', tail)}");
                }
            }

            return new RunTiming(wall, cpu, sampler?.Result);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Ends the run in progress and removes its directory: called when the benchmark itself is interrupted, since a
    /// child process outlives its parent and would go on loading the machine.
    /// </summary>
    public static void AbortCurrent()
    {
        lock (CurrentLock)
        {
            if (_current is not { } current)
            {
                return;
            }

            try
            {
                current.Process.Kill(entireProcessTree: true);
                current.Process.WaitForExit(5000);
                Directory.Delete(current.Directory, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Already gone.
            }

            _current = null;
        }
    }

    private List<string> Arguments(string directory, bool withWriters)
    {
        var arguments = new List<string>
        {
            "--Training:System=He",
            $"--Run:WorkingDirectory={directory}",
            FormattableString.Invariant($"--Training:Iterations={steps}"),
            FormattableString.Invariant($"--Evaluation:Iterations={evaluationSteps}"),
        };
        foreach (var writer in DefaultWriters.Union(writers, StringComparer.OrdinalIgnoreCase))
        {
            var enabled = withWriters && writers.Contains(writer, StringComparer.OrdinalIgnoreCase);
            arguments.Add($"--Writers:{writer}:Enabled={(enabled ? "true" : "false")}");
        }

        return arguments;
    }

    /// <summary>What is wrong with a finished run's files, or null: each enabled file writer wrote every step, and nothing else did.</summary>
    private string? Check(string directory, bool withWriters)
    {
        var csv = Path.Combine(directory, "train_stats.csv");
        var h5 = Path.Combine(directory, "train_stats.h5");
        var wantCsv = withWriters && writers.Contains("Csv", StringComparer.OrdinalIgnoreCase);
        var wantH5 = withWriters && writers.Contains("Hdf5", StringComparer.OrdinalIgnoreCase);
        if (File.Exists(csv) != wantCsv || File.Exists(h5) != wantH5)
        {
            return $"expected train_stats.csv {(wantCsv ? "present" : "absent")} and train_stats.h5 {(wantH5 ? "present" : "absent")}";
        }

        if (wantCsv && File.ReadLines(csv).Count() is var lines && lines != steps + 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"train_stats.csv has {lines} lines instead of {steps + 1}");
        }

        return null;
    }
}
