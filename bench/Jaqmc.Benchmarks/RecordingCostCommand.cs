using System.Diagnostics;
using System.Globalization;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Console;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// <c>recording-cost [--rounds N] [--steps N] [--step-us N] [--dispatch-ms N] [--only Csv,Hdf5,...] [--threads]</c>: the CPU time that recording costs per training
/// step, measured without the training. A producer hands over He's train records at the training's pace (one every
/// <c>--step-us</c>, default 2,000 µs, sleeping in between) with a flush barrier every 500 steps, as the checkpoints
/// do; the process's CPU time is compared with the same paced loop recording nothing. <c>--threads</c> also prints
/// each run's CPU time per thread (the dispatcher's and each writer's threads are named).
/// </summary>
/// <remarks>
/// The duty cycle divides two noisy wall-clock times on a shared 2-core machine; this command isolates the
/// numerator of the overhead, so a change to the pipeline or a writer can be judged in one short run.
/// </remarks>
internal sealed class RecordingCostCommand
{
    private readonly int _rounds;
    private readonly int _steps;
    private readonly int _stepUs;
    private readonly string[] _configurations = ["none", "pipeline", "Console", "Csv", "Hdf5", "all"];
    private readonly Dictionary<string, string?> _settings = [];
    private readonly ThreadCpuReport _threads;

    private RecordingCostCommand(string[] args)
    {
        _rounds = CommandHelpers.Option(args, "--rounds", 3);
        _steps = CommandHelpers.Option(args, "--steps", 3000);
        _stepUs = CommandHelpers.Option(args, "--step-us", 2000);
        var dispatchMs = CommandHelpers.Option(args, "--dispatch-ms", 0);
        if (dispatchMs > 0)
        {
            _settings["Pipeline:DispatchInterval"] = TimeSpan.FromMilliseconds(dispatchMs).ToString("c", CultureInfo.InvariantCulture);
        }

        var only = Array.IndexOf(args, "--only");
        if (only >= 0 && only + 1 < args.Length)
        {
            _configurations = ["none", .. args[only + 1].Split(',')];
        }

        _threads = new ThreadCpuReport(args.Contains("--threads"));
    }

    public static Task<int> RunAsync(string[] args) => new RecordingCostCommand(args).RunAsync();

    private async Task<int> RunAsync()
    {
        Console.WriteLine($"recording cost: He train records, {_steps} steps per run at one per {_stepUs} µs, {_rounds} rounds");
        var cpu = _configurations.ToDictionary(c => c, _ => new List<double>());
        // Warm-up, as in duty-cycle: dozens of short runs until the JIT has nothing left to recompile (a run's setup
        // happens once per run), then one full run of each configuration.
        for (var i = 0; i < 80; i++)
        {
            await MeasureAsync(_configurations[i % _configurations.Length], 20, report: false);
        }

        foreach (var configuration in _configurations)
        {
            await MeasureAsync(configuration, _steps, report: false);
        }

        for (var round = 0; round < _rounds; round++)
        {
            // Alternate the order so slow drift of the machine falls on every configuration alike.
            var order = round % 2 == 0 ? _configurations : _configurations.Reverse().ToArray();
            foreach (var configuration in order)
            {
                cpu[configuration].Add(await MeasureAsync(configuration, _steps, report: true));
            }
        }

        var baseline = CommandHelpers.Median(cpu["none"]);
        foreach (var configuration in _configurations)
        {
            var median = CommandHelpers.Median(cpu[configuration]);
            Console.WriteLine(FormattableString.Invariant(
                $"{configuration,-9} CPU {median,7:F2} µs/step (runs: {string.Join(", ", cpu[configuration].Select(c => c.ToString("F2", CultureInfo.InvariantCulture)))}); recording costs {median - baseline,6:F2} µs/step"));
        }

        return 0;
    }

    private Task<double> MeasureAsync(string configuration, int steps, bool report)
    {
        Action<IServiceCollection>? writers = configuration switch
        {
            "none" or "all" => null,
            "pipeline" => _ => { },
            "Console" => s => s.AddStatsWriter<ConsoleStatsWriter, ConsoleWriterOptions>("Console"),
            "Csv" => s => s.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>("Csv"),
            "Hdf5" => s => s.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>("Hdf5"),
            _ => throw new ArgumentException($"recording-cost: unknown configuration '{configuration}' (known: {string.Join(", ", _configurations)})"),
        };
        var settings = configuration == "Console" ? new(_settings) { ["Writers:Console:Interval"] = "100" } : _settings;
        return DutyCycleRun.MeasureAsync(configuration != "none", settings, writers, (_, recorder) => ProduceAsync(recorder, steps, report));
    }

    private async Task<double> ProduceAsync(IStatsRecorder recorder, int steps, bool report)
    {
        var keys = new StatsKeys(
        [
            "total_energy", "total_energy_var", "energy:kinetic", "energy:kinetic_var", "energy:potential",
            "energy:potential_var", "loss", "pmove", "learning_rate", "param:alpha", "param:beta",
        ]);
        var threads = report ? _threads.Snapshot() : null;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var interval = Stopwatch.Frequency * _stepUs / 1_000_000;
        var next = Stopwatch.GetTimestamp();
        await recorder.BeginStageAsync("train", 0, CancellationToken.None);
        for (var step = 0; step < steps; step++)
        {
            next += interval;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }

            var values = new double[keys.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = -2.9 + (i * 0.0137) + (1.0 / (step + 1));
            }

            await recorder.RecordAsync(new StatsRecord("train", step, keys, values), CancellationToken.None);
            if ((step + 1) % 500 == 0)
            {
                await recorder.FlushAsync(step, CancellationToken.None);
            }
        }

        // Per thread before the stage ends: the writers' threads end with it.
        _threads.Print(recorder.GetType().Name, threads, steps);
        await recorder.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / steps;
    }
}
