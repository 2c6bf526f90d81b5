using System.Globalization;
using BenchmarkDotNet.Attributes;
using Jaqmc.Sinks;
using Jaqmc.Sinks.Csv;
using Microsoft.Extensions.DependencyInjection;

namespace Jaqmc.Benchmarks;

/// <summary>
/// End-to-end records/s into CSV (20 keys): the training loop hands records to the pipeline, which writes them
/// with the CSV writer; compared in the same run with a plain StreamWriter loop writing the same text.
/// Records/s = Records / mean time per operation.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CsvBenchmarks
{
    public const int Records = 200_000;
    private string _directory = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, Description = "StreamWriter loop (format only)")]
    public void PlainStreamWriter()
    {
        using var writer = new StreamWriter(Path.Combine(_directory, "plain.csv"));
        writer.Write("step");
        foreach (var key in PipelineFactory.TwentyKeys)
        {
            writer.Write(',');
            writer.Write(key);
        }

        writer.Write('\n');
        for (long step = 0; step < Records; step++)
        {
            var values = PipelineFactory.Values(step);
            writer.Write(step.ToString(CultureInfo.InvariantCulture));
            foreach (var v in values)
            {
                writer.Write(',');
                writer.Write(v.ToString("R", CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
        }
    }

    [Benchmark(Description = "Pipeline + CsvStatsWriter")]
    public async Task PipelineToCsv()
    {
        var (services, pipeline) = await PipelineFactory.StartAsync(_directory, s => s.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>("Csv"));
        await using (services)
        {
            await pipeline.BeginStageAsync("train", 0, CancellationToken.None);
            for (long step = 0; step < Records; step++)
            {
                var pending = pipeline.RecordAsync(new StatsRecord("train", step, PipelineFactory.TwentyKeys, PipelineFactory.Values(step)), CancellationToken.None);
                if (!pending.IsCompletedSuccessfully)
                {
                    await pending;
                }
            }

            await pipeline.EndStageAsync(StageOutcome.Completed, CancellationToken.None);
        }
    }
}
