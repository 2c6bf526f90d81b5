using Jaqmc.Cli.Hosting;
using Jaqmc.Service;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// One stream's own writer service: the same pipeline and writers as <c>jaqmc train</c>, in a container of its own
/// whose working directory is <c>Root/&lt;run&gt;</c>. Streams share nothing but the logger factory, so one run's
/// failing writer or bad file never reaches another.
/// </summary>
internal sealed class StreamPipeline : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IHostedService[] _hosted;
    private readonly TimeSpan _shutdownTimeout;

    private StreamPipeline(ServiceProvider services, IHostedService[] hosted, IStatsRecorder recorder, TimeSpan shutdownTimeout)
    {
        _services = services;
        _hosted = hosted;
        Recorder = recorder;
        _shutdownTimeout = shutdownTimeout;
    }

    public IStatsRecorder Recorder { get; }

    /// <summary>Builds the container for <paramref name="run"/> and starts its pipeline.</summary>
    /// <exception cref="OptionsValidationException">A writer or pipeline setting is invalid.</exception>
    public static async Task<StreamPipeline> StartAsync(IConfiguration serverConfiguration, ILoggerFactory loggerFactory, string directory, string run, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(serverConfiguration)
            .AddInMemoryCollection(
            [
                new("Run:WorkingDirectory", directory),
                new("Run:Name", run),
                new("Distributed:ProcessIndex", "0"),
            ])
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddStatsPipeline();
        // The server owns its streams' Pipeline section as jaqmc train owns its own (ProgramSettingsCheck).
        services.AddOptions<PipelineOptions>().RefuseUnknownSettings(PipelineOptions.Section);
        services.AddBuiltInStatsWriters(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            if (provider.GetService<IAsyncStartupValidator>() is { } validator)
            {
                await validator.ValidateAsync(cancellationToken).ConfigureAwait(false);
            }

            var recorder = provider.GetRequiredService<IStatsRecorder>();
            var hosted = provider.GetServices<IHostedService>().ToArray();
            foreach (var service in hosted)
            {
                await service.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            var timeout = configuration.GetValue("Pipeline:ShutdownTimeout", TimeSpan.FromSeconds(30));
            return new StreamPipeline(provider, hosted, recorder, timeout);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Drains and closes the writers (logging their summary), within <c>Pipeline:ShutdownTimeout</c>.</summary>
    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(_shutdownTimeout);
        foreach (var service in _hosted.Reverse())
        {
            try
            {
                await service.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The pipeline reported what it could not drain.
            }
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
