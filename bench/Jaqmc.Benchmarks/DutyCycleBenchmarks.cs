using BenchmarkDotNet.Attributes;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Jaqmc.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// The duty cycle of issue 3: training steps/s for He with 4096 walkers with every file writer recording
/// (Console, CSV, HDF5 through the real pipeline, writers opened and closed inside the measured run) divided by
/// steps/s with statistics going nowhere. Duty cycle = Mean(NoWriters) / Mean(AllWriters) = 1 / Ratio.
/// The host (service provider, pipeline task) is built outside the measurement, as it lives for the whole process.
/// For the duty cycle itself prefer <see cref="DutyCycleCommand"/> (<c>-- duty-cycle</c>), which interleaves the two.
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
        _directory = DutyCycleRun.NewDirectory();
        (_services, _pipeline) = DutyCycleRun.StartPipelineAsync(_directory).GetAwaiter().GetResult();
    }

    [IterationCleanup(Target = nameof(AllWriters))]
    public void StopPipeline()
    {
        _pipeline!.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        DeleteDirectory();
    }

    [IterationSetup(Target = nameof(NoWriters))]
    public void CreateDirectory() => _directory = DutyCycleRun.NewDirectory();

    [IterationCleanup(Target = nameof(NoWriters))]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps, Description = "He 4096 walkers, no writers")]
    public Task<TrainingResult> NoWriters() => DutyCycleRun.Trainer(Steps).RunAsync(_directory, new NullStatsRecorder(), CancellationToken.None);

    [Benchmark(OperationsPerInvoke = Steps, Description = "He 4096 walkers, Console+CSV+HDF5")]
    public Task<TrainingResult> AllWriters() => DutyCycleRun.Trainer(Steps).RunAsync(_directory, _pipeline!, CancellationToken.None);
}
