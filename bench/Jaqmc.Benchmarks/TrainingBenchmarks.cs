using BenchmarkDotNet.Attributes;
using Jaqmc.Sinks;
using Jaqmc.Training.Systems;
using Jaqmc.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Benchmarks;

/// <summary>
/// Training throughput: He, 4096 walkers, 10 Metropolis moves per step, statistics to a <see cref="NullStatsRecorder"/>.
/// One operation is one training step (steps/s = 1 / mean), including the per-step record and the Adam update.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int Steps = 200;

    private string _directory = string.Empty;

    /// <summary>0 = every core.</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [IterationSetup]
    public void CreateDirectory()
    {
        // A fresh run directory each time, or the second invocation would find the stage complete and skip it.
        _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [IterationCleanup]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Benchmark(OperationsPerInvoke = Steps + 1)]
    public Task<TrainingResult> HeliumTrainingStep()
    {
        var options = new TrainingOptions
        {
            System = TrainingSystem.He,
            Walkers = 4096,
            McmcSteps = 10,
            Iterations = Steps,
            CheckpointEvery = int.MaxValue,
            Threads = Threads,
        };
        var trainer = new VmcTrainer(options, new EvaluationOptions { Iterations = 1 }, NullLogger<VmcTrainer>.Instance, WavefunctionSystemFactory.Create);
        return trainer.RunAsync(_directory, new NullStatsRecorder(), CancellationToken.None);
    }
}
