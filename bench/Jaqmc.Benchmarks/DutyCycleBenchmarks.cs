using BenchmarkDotNet.Attributes;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
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
/// (Console, CSV, HDF5 through the real pipeline) divided by steps/s with statistics going nowhere.
/// Duty cycle = Mean(NoWriters) / Mean(AllWriters), the "Ratio" column inverted.
/// </summary>
[MedianColumn]
public class DutyCycleBenchmarks
{
    private const int Steps = 300;
    private string _directory = string.Empty;

    [IterationSetup]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [IterationCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps, Description = "He 4096 walkers, no writers")]
    public Task<TrainingResult> NoWriters() => Trainer().RunAsync(_directory, new NullStatsRecorder(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = Steps, Description = "He 4096 walkers, Console+CSV+HDF5")]
    public async Task<TrainingResult> AllWriters()
    {
        var (services, pipeline) = await PipelineFactory.StartAsync(
            _directory,
            s =>
            {
                s.AddStatsWriter<ConsoleStatsWriter, ConsoleWriterOptions>("Console");
                s.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>("Csv");
                s.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>("Hdf5");
            },
            new() { ["Writers:Console:Interval"] = "100" });
        await using (services)
        {
            var result = await Trainer().RunAsync(_directory, pipeline, CancellationToken.None);
            await pipeline.StopAsync(CancellationToken.None);
            return result;
        }
    }

    private static VmcTrainer Trainer() => new(
        new TrainingOptions { System = TrainingSystem.He, Walkers = 4096, McmcSteps = 10, Iterations = Steps, CheckpointEvery = 100 },
        new EvaluationOptions { Iterations = 1 },
        NullLogger<VmcTrainer>.Instance,
        WavefunctionSystemFactory.Create);
}
