using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks.Console;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Sinks;
using Jaqmc.Training.Systems;
using Jaqmc.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Benchmarks;

/// <summary>The duty-cycle workload: He with 4096 walkers, with Console+CSV+HDF5 recording or with none.</summary>
internal static class DutyCycleRun
{
    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "jaqmc-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>A started pipeline with the shipped file writers (Console every 100 steps, as shipped).</summary>
    /// <remarks>
    /// <paramref name="writers"/> replaces the three writers when given (a subset, or none at all); the Console
    /// interval is then the caller's to set.
    /// </remarks>
    public static Task<(ServiceProvider Services, StatsPipeline Pipeline)> StartPipelineAsync(
        string directory, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? writers = null) =>
        PipelineFactory.StartAsync(
            directory,
            writers ?? (s =>
            {
                s.AddStatsWriter<ConsoleStatsWriter, ConsoleWriterOptions>("Console");
                s.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>("Csv");
                s.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>("Hdf5");
            }),
            writers is null ? new(settings ?? []) { ["Writers:Console:Interval"] = "100" } : settings);

    /// <summary>
    /// Runs <paramref name="measure"/> in a fresh directory (deleted afterwards) with statistics going nowhere when
    /// <paramref name="recording"/> is false, otherwise through a started pipeline (see
    /// <see cref="StartPipelineAsync"/>), which is built and stopped outside <paramref name="measure"/> as a host's
    /// lifetime object would be.
    /// </summary>
    public static async Task<T> MeasureAsync<T>(
        bool recording,
        Dictionary<string, string?>? settings,
        Action<IServiceCollection>? writers,
        Func<string, IStatsRecorder, Task<T>> measure)
    {
        var directory = NewDirectory();
        try
        {
            if (!recording)
            {
                return await measure(directory, new NullStatsRecorder());
            }

            var (services, pipeline) = await StartPipelineAsync(directory, settings, writers);
            await using (services)
            {
                var result = await measure(directory, pipeline);
                await pipeline.StopAsync(CancellationToken.None);
                return result;
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static VmcTrainer Trainer(int steps) => new(
        new TrainingOptions { System = TrainingSystem.He, Walkers = 4096, McmcSteps = 10, Iterations = steps, CheckpointEvery = 500 },
        new EvaluationOptions { Iterations = 1 },
        NullLogger<VmcTrainer>.Instance,
        WavefunctionSystemFactory.Create);
}
