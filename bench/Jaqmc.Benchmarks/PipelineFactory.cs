using Jaqmc.Service.Hosting;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Benchmarks;

/// <summary>Builds a started pipeline with only the writers a benchmark asks for.</summary>
internal static class PipelineFactory
{
    public static readonly StatsKeys TwentyKeys = new(Enumerable.Range(0, 20).Select(i => i switch
    {
        0 => "total_energy",
        1 => "total_energy_var",
        2 => "energy:kinetic",
        3 => "energy:kinetic_var",
        4 => "energy:potential",
        5 => "energy:potential_var",
        6 => "loss",
        7 => "pmove",
        _ => $"extra_{i}",
    }));

    public static async Task<(ServiceProvider Services, StatsPipeline Pipeline)> StartAsync(
        string workingDirectory,
        Action<IServiceCollection> writers,
        Dictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?> { ["Run:WorkingDirectory"] = workingDirectory };
        foreach (var (k, v) in settings ?? [])
        {
            config[k] = v;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddStatsPipeline();
        writers(services);
        var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<StatsPipeline>();
        pipeline.Start();
        return (provider, pipeline);
    }

    public static double[] Values(long step)
    {
        var values = new double[TwentyKeys.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = -2.9 + (i * 0.0137) + (1.0 / (step + 1));
        }

        return values;
    }
}

/// <summary>A writer that accepts everything and does nothing: isolates the pipeline's own cost.</summary>
internal sealed class NullStatsWriter(WriterOptions options) : StatsWriter
{
    private readonly WriterOptions _options = options;

    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public override string ToString() => _options.ToString()!;
}
