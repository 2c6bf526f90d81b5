using Jaqmc.Service.Hosting;
using Jaqmc.Service.Pipeline;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Tests.Service.Pipeline;

/// <summary>A pipeline with recording writers "A" and "B" built from in-memory configuration.</summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    private static readonly StatsKeys Keys = new("total_energy", "pmove");

    private PipelineHarness(ServiceProvider services, RecordingStore a, RecordingStore b, FakeLogCollector logs)
    {
        Services = services;
        A = a;
        B = b;
        Logs = logs;
        Pipeline = services.GetRequiredService<StatsPipeline>();
    }

    public ServiceProvider Services { get; }

    public StatsPipeline Pipeline { get; }

    public RecordingStore A { get; }

    public RecordingStore B { get; }

    public FakeLogCollector Logs { get; }

    public static async Task<PipelineHarness> StartAsync(Dictionary<string, string?>? settings = null, Action<RecordingStore, RecordingStore>? arrange = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "jaqmc-tests", "pipeline", Guid.NewGuid().ToString("N"));
        var config = new Dictionary<string, string?>
        {
            ["Run:WorkingDirectory"] = directory,
            ["Writers:A:Retry:BaseDelay"] = "00:00:00.001",
            ["Writers:B:Retry:BaseDelay"] = "00:00:00.001",
        };
        foreach (var (k, v) in settings ?? [])
        {
            config[k] = v;
        }

        var a = new RecordingStore();
        var b = new RecordingStore();
        arrange?.Invoke(a, b);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddLogging(l => l.AddFakeLogging().SetMinimumLevel(LogLevel.Debug));
        services.AddStatsPipeline();
        services.AddStatsWriter<RecordingWriter, RecordingWriterOptions>("A", o => o.Store = a);
        services.AddStatsWriter<RecordingWriter, RecordingWriterOptions>("B", o => o.Store = b);
        var provider = services.BuildServiceProvider(validateScopes: true);
        var harness = new PipelineHarness(provider, a, b, provider.GetFakeLogCollector());
        // Started the way a host starts it: through its hosted service.
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        return harness;
    }

    public static StatsRecord Record(long step, string stage = "train") => new(stage, step, Keys, [-2.9 + step, 0.5]);

    public async Task ProduceAsync(long from, long to, string stage = "train")
    {
        for (var s = from; s < to; s++)
        {
            await Pipeline.RecordAsync(Record(s, stage), CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
    }
}
