using BenchmarkDotNet.Attributes;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks.Console;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Training;
using Jaqmc.Training.Systems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Benchmarks;

/// <summary>
/// The duty cycle of issue 3: training steps/s for He with 4096 walkers with every file writer recording
/// (Console, CSV, HDF5 through the real pipeline, writers opened and closed inside the measured run) divided by
/// steps/s with statistics going nowhere. Duty cycle = Mean(NoWriters) / Mean(AllWriters) = 1 / Ratio.
/// The host (service provider, pipeline task) is built outside the measurement, as it lives for the whole process.
/// </summary>
[MedianColumn]
public class DutyCycleBenchmarks
{
    private const int Steps = 1000;
    private string _directory = string.Empty;
    private ServiceProvider? _services;
    private StatsPipeline? _pipeline;

    [IterationSetup(Target = nameof(AllWriters))]
    public void StartPipeline()
    {
        CreateDirectory();
        (_services, _pipeline) = PipelineFactory.StartAsync(
            _directory,
            s =>
            {
                s.AddStatsWriter<ConsoleStatsWriter, ConsoleWriterOptions>("Console");
                s.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>("Csv");
                s.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>("Hdf5");
            },
            new() { ["Writers:Console:Interval"] = "100" }).GetAwaiter().GetResult();
    }

    [IterationCleanup(Target = nameof(AllWriters))]
    public void StopPipeline()
    {
        _pipeline!.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        DeleteDirectory();
    }

    [IterationSetup(Target = nameof(NoWriters))]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [IterationCleanup(Target = nameof(NoWriters))]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps, Description = "He 4096 walkers, no writers")]
    public Task<TrainingResult> NoWriters() => Trainer().RunAsync(_directory, new NullStatsRecorder(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = Steps, Description = "He 4096 walkers, Console+CSV+HDF5")]
    public Task<TrainingResult> AllWriters() => Trainer().RunAsync(_directory, _pipeline!, CancellationToken.None);

    private static VmcTrainer Trainer() => new(
        new TrainingOptions { System = TrainingSystem.He, Walkers = 4096, McmcSteps = 10, Iterations = Steps, CheckpointEvery = 500 },
        new EvaluationOptions { Iterations = 1 },
        NullLogger<VmcTrainer>.Instance,
        WavefunctionSystemFactory.Create);
}
