using Jaqmc.Service;
using Jaqmc.Service.Hosting;
using Jaqmc.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Runs the training job on the generic host and stops the application when it ends. The master process records the
/// run's configuration in its working directory (<see cref="RunSettingsFile"/>) when the first stage begins.
/// </summary>
internal sealed class TrainingHostedService(
    ITrainingJob job,
    IStatsRecorder recorder,
    IStatsPipelineStatus pipeline,
    RunConfigurationSnapshot configuration,
    IOptions<RunOptions> run,
    IOptions<DistributedOptions> distributed,
    IHostApplicationLifetime lifetime,
    ExitCodeHolder exitCode,
    ILogger<TrainingHostedService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting (and validating options) before the first step.
        await Task.Yield();
        try
        {
            var target = distributed.Value.IsMaster
                ? new RunSettingsRecorder(recorder, run.Value.FullWorkingDirectory, configuration.Json)
                : recorder;
            exitCode.Set(await job.RunAsync(target, stoppingToken).ConfigureAwait(false));
        }
        catch (StatsPipelineException e)
        {
            // A failed writer or dispatcher has already said why, once; repeating it would read as another error.
            if (pipeline.Fault is null)
            {
                JobLog.Stopping(logger, e.Message);
            }
            else
            {
                JobLog.StoppingAlreadyReported(logger, e.Message);
            }

            exitCode.Set(ExitCodes.WriterFailed);
            await EndStageQuietlyAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Storage that cannot be written (a full disk while saving a checkpoint) is the same failure for the
            // user as a writer that cannot write: fix the storage, run again, it resumes from the last checkpoint.
            JobLog.DiskFailed(logger, e.Message);
            exitCode.Set(ExitCodes.WriterFailed);
            await EndStageQuietlyAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            JobLog.TrainingCrashed(logger, e, e.Message);
            exitCode.Set(ExitCodes.Error);
            await EndStageQuietlyAsync().ConfigureAwait(false);
        }
        finally
        {
            // A writer's failure, found now or while the writers drain, becomes exit 3 once the host has stopped
            // (JaqmcHost.RunAsync): the drain comes after this.
            lifetime.StopApplication();
        }
    }

    private async Task EndStageQuietlyAsync()
    {
        try
        {
            await recorder.EndStageAsync(StageOutcome.Failed, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StatsPipelineException)
        {
            // Already reported by the failing writer.
        }
    }
}
