using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service.Pipeline;

/// <summary>
/// The writer service's life on the generic host: starts the dispatcher, starts the shutdown deadline when the host
/// is asked to stop (Ctrl+C, SIGTERM), and drains and closes every writer when the host stops.
/// </summary>
internal sealed class StatsPipelineHostedService(
    StatsPipeline pipeline,
    IOptions<PipelineOptions> options,
    IOptions<DistributedOptions> distributed,
    ILogger<StatsPipelineHostedService> logger,
    IHostApplicationLifetime? lifetime = null) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        pipeline.Start();

        // The deadline starts when stopping is asked for, not when the host reaches this service's StopAsync: it
        // covers the training loop's last checkpoint as well as the drain.
        _stopping = lifetime?.ApplicationStopping.Register(() => pipeline.StartShutdownDeadline(options.Value.ShutdownTimeout)) ?? default;
        if (!distributed.Value.IsMaster)
        {
            PipelineLog.NotMaster(logger);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await pipeline.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
