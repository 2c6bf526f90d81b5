using BenchmarkDotNet.Attributes;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// The training loop's cost of handing over one record of 20 values (allocating its value array included),
/// with a writer that does nothing, so only the pipeline is measured. The producer never pauses, so this is the
/// pessimistic regime: the queue keeps crossing its high-water mark and the dispatcher drains it concurrently,
/// contending for the channel (a training loop hands over one record per step, about every 2 ms).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/Jaqmc.Benchmarks -- --filter '*PipelineBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[MedianColumn]
public class PipelineBenchmarks
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

    /// <summary>The floor: building the record's values without handing them over (the ratio column is relative to it).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsPerInvoke, Description = "new double[20] only (floor)")]
    public double ValuesOnly()
    {
        var sum = 0.0;
        for (var i = 0; i < RecordsPerInvoke; i++)
        {
            sum += PipelineFactory.Values(_step++)[7];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = RecordsPerInvoke, Description = "RecordAsync (new double[20] + enqueue)")]
    public async Task Enqueue()
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
