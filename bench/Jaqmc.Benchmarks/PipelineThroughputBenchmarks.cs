using BenchmarkDotNet.Attributes;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// The pipeline's sustained throughput: a producer that never pauses hands 100,000 records of 20 values to a
/// writer that does nothing, so the queue fills and the producer waits on the dispatcher (on two cores the
/// producer, the dispatcher and the writer's pump share them). Reported per record.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/Jaqmc.Benchmarks -- --filter '*PipelineThroughput*' --job short</c>.</remarks>
[MemoryDiagnoser]
[MedianColumn]
public class PipelineThroughputBenchmarks
{
    private const int RecordsPerInvoke = 100_000;
    private ServiceProvider _services = null!;
    private StatsPipeline _pipeline = null!;
    private long _step;
    private string _directory = null!;

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

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke, Description = "RecordAsync, producer never pauses")]
    public async Task Sustained()
    {
        for (var i = 0; i < RecordsPerInvoke; i++)
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
