using System.Diagnostics;
using System.Globalization;
using Jaqmc.Training;

namespace Jaqmc.Benchmarks;

/// <summary>
/// <c>duty-cycle [--pairs N] [--steps N] [--dispatch-ms N] [--pipeline-only]</c>: the duty cycle measured in pairs of runs, one with no writers and one
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
        Dictionary<string, string?> settings = dispatchMs > 0
            ? new() { ["Pipeline:DispatchInterval"] = TimeSpan.FromMilliseconds(dispatchMs).ToString("c", CultureInfo.InvariantCulture) }
            : [];
        Console.WriteLine($"duty cycle: He, 4096 walkers, {steps} steps per run, {pairs} pairs (+1 warm-up pair), ABBA order");

        await MeasureAsync(withWriters: false, steps: 200, settings, pipelineOnly);
        await MeasureAsync(withWriters: true, steps: 200, settings, pipelineOnly);
        var pairsMeasured = new List<((double Wall, double Cpu) None, (double Wall, double Cpu) All)>();
        for (var pair = 0; pair < pairs; pair++)
        {
            (double Wall, double Cpu) a, b;
            if (pair % 2 == 0)
            {
                a = await MeasureAsync(withWriters: false, steps, settings, pipelineOnly);
                b = await MeasureAsync(withWriters: true, steps, settings, pipelineOnly);
            }
            else
            {
                b = await MeasureAsync(withWriters: true, steps, settings, pipelineOnly);
                a = await MeasureAsync(withWriters: false, steps, settings, pipelineOnly);
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
    private static async Task<(double Wall, double Cpu)> MeasureAsync(bool withWriters, int steps, Dictionary<string, string?> settings, bool pipelineOnly)
    {
        var directory = DutyCycleRun.NewDirectory();
        try
        {
            var trainer = DutyCycleRun.Trainer(steps);
            if (!withWriters)
            {
                var (watch, cpu) = Start();
                await trainer.RunAsync(directory, new NullStatsRecorder(), CancellationToken.None);
                return Stop(watch, cpu, steps);
            }

            var (services, pipeline) = await DutyCycleRun.StartPipelineAsync(directory, settings, pipelineOnly ? _ => { } : null);
            await using (services)
            {
                var (watch, cpu) = Start();
                await trainer.RunAsync(directory, pipeline, CancellationToken.None);
                var perStep = Stop(watch, cpu, steps);
                await pipeline.StopAsync(CancellationToken.None);
                return perStep;
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (Stopwatch Watch, TimeSpan Cpu) Start() => (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);

    private static (double Wall, double Cpu) Stop(Stopwatch watch, TimeSpan cpu, int steps) =>
        (watch.Elapsed.TotalMilliseconds / steps, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / steps);
}
