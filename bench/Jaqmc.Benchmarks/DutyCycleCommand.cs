using System.Diagnostics;
using System.Globalization;
using Jaqmc.Training;

namespace Jaqmc.Benchmarks;

/// <summary>
/// <c>duty-cycle [--pairs N] [--steps N] [--dispatch-ms N] [--pipeline-only] [--threads] [--warm-up-runs N]</c>: the duty cycle measured in pairs of runs, one with no writers and one
/// with Console+CSV+HDF5, alternating which goes first (ABBA), so that the drift of a shared 2-core machine falls on
/// both sides alike. Reports the median ms/step of each configuration and the median of the pairs' ratios.
/// </summary>
/// <remarks>
/// BenchmarkDotNet (<see cref="DutyCycleBenchmarks"/>) runs every iteration of one configuration before the other;
/// on this machine the drift between those blocks (2-5 %) is larger than the effect to resolve (about 1 %).
/// </remarks>
internal static class DutyCycleCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var pairs = CommandHelpers.Option(args, "--pairs", 10);
        var steps = CommandHelpers.Option(args, "--steps", 5000);
        var dispatchMs = CommandHelpers.Option(args, "--dispatch-ms", 0);

        // The pipeline with no writer at all: separates the pipeline's own cost from the writers'.
        var pipelineOnly = args.Contains("--pipeline-only");
        var threads = new ThreadCpuReport(args.Contains("--threads"));
        Dictionary<string, string?> settings = dispatchMs > 0
            ? new() { ["Pipeline:DispatchInterval"] = TimeSpan.FromMilliseconds(dispatchMs).ToString("c", CultureInfo.InvariantCulture) }
            : [];
        Console.WriteLine($"duty cycle: He, 4096 walkers, {steps} steps per run, {pairs} pairs (after a warm-up), ABBA order");

        // Warm-up. The JIT recompiles a method once it has been called 30 times (twice with dynamic PGO), and a
        // run's setup (a stage's writers opened and closed, a service provider built) happens once per run, so it
        // takes dozens of runs before nothing is left to recompile. Without this, each measured run would spend
        // 100-500 ms in the JIT, which a real run (one long training per process) spends once.
        var quiet = new ThreadCpuReport(false);
        var warmUps = CommandHelpers.Option(args, "--warm-up-runs", 80);
        for (var i = 0; i < warmUps; i++)
        {
            await MeasureAsync(withWriters: i % 2 == 1, steps: 20, settings, pipelineOnly, quiet);
        }

        // And one full-length pair, for the hot loops' own recompilation (on-stack replacement).
        await MeasureAsync(withWriters: false, steps, settings, pipelineOnly, quiet);
        await MeasureAsync(withWriters: true, steps, settings, pipelineOnly, quiet);

        var pairsMeasured = new List<((double Wall, double Cpu) None, (double Wall, double Cpu) All)>();
        for (var pair = 0; pair < pairs; pair++)
        {
            (double Wall, double Cpu) a, b;
            if (pair % 2 == 0)
            {
                a = await MeasureAsync(withWriters: false, steps, settings, pipelineOnly, threads);
                b = await MeasureAsync(withWriters: true, steps, settings, pipelineOnly, threads);
            }
            else
            {
                b = await MeasureAsync(withWriters: true, steps, settings, pipelineOnly, threads);
                a = await MeasureAsync(withWriters: false, steps, settings, pipelineOnly, threads);
            }

            pairsMeasured.Add((a, b));
            Console.WriteLine(FormattableString.Invariant(
                $"pair {pair + 1,2}: no writers {a.Wall:F3} ms/step ({a.Cpu:F3} CPU), Console+CSV+HDF5 {b.Wall:F3} ms/step ({b.Cpu:F3} CPU), ratio {a.Wall / b.Wall:F4}"));
        }

        var ratios = pairsMeasured.Select(p => p.None.Wall / p.All.Wall).ToList();
        var noneWall = CommandHelpers.Median(pairsMeasured.Select(p => p.None.Wall));
        var allWall = CommandHelpers.Median(pairsMeasured.Select(p => p.All.Wall));
        var noneCpu = CommandHelpers.Median(pairsMeasured.Select(p => p.None.Cpu));
        var allCpu = CommandHelpers.Median(pairsMeasured.Select(p => p.All.Cpu));
        Console.WriteLine(FormattableString.Invariant(
            $"median ms/step: no writers {noneWall:F3}, Console+CSV+HDF5 {allWall:F3}; duty cycle = median of pair ratios {CommandHelpers.Median(ratios):F4} (min {ratios.Min():F4}, max {ratios.Max():F4}); ratio of medians {noneWall / allWall:F4}"));
        Console.WriteLine(FormattableString.Invariant(
            $"median CPU ms/step: no writers {noneCpu:F3}, Console+CSV+HDF5 {allCpu:F3}: recording costs {(allCpu - noneCpu) / noneCpu * 100:F2} % of the training's CPU"));
        return 0;
    }

    /// <summary>One training run; the pipeline (a host's lifetime object) is built and stopped outside the timing.</summary>
    private static Task<(double Wall, double Cpu)> MeasureAsync(bool withWriters, int steps, Dictionary<string, string?> settings, bool pipelineOnly, ThreadCpuReport threads) =>
        DutyCycleRun.MeasureAsync(withWriters, settings, pipelineOnly ? _ => { } : null, async (directory, recorder) =>
        {
            var start = Start(threads);
            await DutyCycleRun.Trainer(steps).RunAsync(directory, recorder, CancellationToken.None);
            return Stop(start, steps, threads, withWriters ? "writers" : "no writers");
        });

    private static (Stopwatch Watch, TimeSpan Cpu, Dictionary<string, double>? Threads) Start(ThreadCpuReport threads) =>
        (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime, threads.Snapshot());

    private static (double Wall, double Cpu) Stop((Stopwatch Watch, TimeSpan Cpu, Dictionary<string, double>? Threads) start, int steps, ThreadCpuReport threads, string label)
    {
        var wall = start.Watch.Elapsed.TotalMilliseconds / steps;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - start.Cpu;
        threads.Print(label, start.Threads, steps, cpu.TotalMicroseconds);
        return (wall, cpu.TotalMilliseconds / steps);
    }
}
