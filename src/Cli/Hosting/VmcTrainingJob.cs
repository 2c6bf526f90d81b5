using Jaqmc.Service;
using Jaqmc.Sinks;
using Jaqmc.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>The main job: variational Monte Carlo training then evaluation, recorded into the pipeline.</summary>
internal sealed class VmcTrainingJob(
    VmcTrainer trainer,
    IOptions<RunOptions> run,
    TrainingProgressReporter progress,
    ILogger<VmcTrainingJob> logger) : ITrainingJob
{
    public async Task<int> RunAsync(IStatsRecorder recorder, CancellationToken stoppingToken)
    {
        var result = await trainer.RunAsync(run.Value.FullWorkingDirectory, recorder, progress, stoppingToken).ConfigureAwait(false);
        if (result.FailedReason is not null)
        {
            // The trainer has reported it, once; the exit code says the rest.
            JobLog.TrainingFailed(logger, result.FailedReason);
            return ExitCodes.TrainingFailed;
        }

        if (result.Stopped)
        {
            JobLog.StoppedOnRequest(logger, string.Join(", ", result.LastSteps.Select(s => $"{s.Key} step {s.Value}")));
            return ExitCodes.Success;
        }

        if (result.EvaluationEnergy is { } energy)
        {
            JobLog.EvaluationEnergy(
                logger, energy, result.EvaluationStandardError ?? double.NaN,
                string.Join(", ", result.Parameters.Select(p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{p.Key}={p.Value:F4}"))));
        }

        return ExitCodes.Success;
    }
}
