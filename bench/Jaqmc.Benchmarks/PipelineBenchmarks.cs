using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// What the training loop pays to hand over one record of 20 values (allocating its value array included), with a
/// writer that does nothing, so only the pipeline is measured.
/// </summary>
/// <remarks>
/// Each operation is a burst of 1,000 records into a drained pipeline (the iteration setup waits for the flush
/// barrier), as a training loop sees it: the queue has room and the dispatcher runs concurrently (the burst
/// crosses the high-water mark, so one wake-up is included). <see cref="PipelineThroughputBenchmarks"/> measures
/// the other regime, a producer that never pauses.
/// Run: <c>dotnet run -c Release --project bench/Jaqmc.Benchmarks -- --filter '*PipelineBenchmarks*'</c>.
/// </remarks>
[Config(typeof(Config))]
public class PipelineBenchmarks
{
    private const int RecordsPerBurst = 3_000;
    private ServiceProvider _services = null!;
    private StatsPipeline _pipeline = null!;
    private long _step;
    private string _directory = null!;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(10)
                .WithIterationCount(100)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithGcForce(false)); // a forced full GC between bursts would make every burst start on cold memory
            AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
            AddColumn(StatisticColumn.Median);
        }
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        (_services, _pipeline) = await PipelineFactory.StartAsync(
            _directory,
            s => s.AddStatsWriter<NullStatsWriter, WriterOptions>("Null"),
            new() { ["Pipeline:Capacity"] = "4096" });
        await _pipeline.BeginStageAsync("train", 0, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Start every burst with an empty queue and a dispatcher in its pause, as between training steps.</summary>
    [IterationSetup]
    public void Drain() => _pipeline.FlushAsync(_step, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>The floor: building the record's values without handing them over (the ratio column is relative to it).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerBurst, Description = "new double[20] only (floor)")]
    public double ValuesOnly()
    {
        var sum = 0.0;
        for (var i = 0; i < RecordsPerBurst; i++)
        {
            sum += PipelineFactory.Values(_step++)[7];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = RecordsPerBurst, Description = "RecordAsync (new double[20] + enqueue)")]
    public async Task Enqueue()
    {
        for (var i = 0; i < RecordsPerBurst; i++)
        {
            var step = _step++;
            var pending = _pipeline.RecordAsync(new StatsRecord("train", step, PipelineFactory.TwentyKeys, PipelineFactory.Values(step)), CancellationToken.None);
            if (!pending.IsCompletedSuccessfully)
            {
                await pending;
            }
        }
    }
}
