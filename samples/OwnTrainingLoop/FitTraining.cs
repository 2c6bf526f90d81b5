using Jaqmc.Service;
using Jaqmc.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>
/// The training loop: resumes from its checkpoint, records every step, checkpoints behind the flush barrier, and
/// stops at a step boundary when the host stops (Ctrl+C, SIGTERM).
/// </summary>
public sealed class FitTraining(
    IStatsRecorder recorder,
    IOptions<FitOptions> options,
    IOptions<RunOptions> run,
    IHostApplicationLifetime lifetime,
    ILogger<FitTraining> logger) : BackgroundService
{
    /// <summary>The checkpoint's file name in the run's working directory.</summary>
    public const string CheckpointFileName = "checkpoint.json";

    private const string Stage = "train";

    // The key names, once: every record shares them.
    private static readonly StatsKeys Keys = new("loss", "grad_norm", "learning_rate", "param:c0", "param:c1", "param:c2");

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await TrainAsync(options.Value, stoppingToken);
        }
        catch (Exception e)
        {
            // The pipeline still drains what was recorded (and closes the stage as interrupted) when the host stops.
            FitLog.Failed(logger, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task TrainAsync(FitOptions settings, CancellationToken stoppingToken)
    {
        var checkpointPath = Path.Combine(run.Value.FullWorkingDirectory, CheckpointFileName);
        var checkpoint = FitCheckpoint.Load(checkpointPath)
                         ?? new FitCheckpoint(Step: -1, new double[PolynomialFit.ParameterCount], RandomState: settings.Seed + 1);
        var model = new PolynomialFit(settings.DataPoints, settings.Seed);
        var parameters = checkpoint.Parameters;
        var random = new SplitMix64(checkpoint.RandomState);
        var lastSaved = checkpoint.Step;
        var step = checkpoint.Step + 1;
        FitLog.Starting(logger, step, settings.Steps, checkpointPath);

        // Every writer drops what it holds at or after this step: rows a killed run wrote after its last checkpoint
        // are written again, identically. The recorder's calls get CancellationToken.None: a step that ran must
        // reach the writers, and a checkpoint must not be skipped, even while the host is stopping.
        await recorder.BeginStageAsync(Stage, step, CancellationToken.None);
        for (; step < settings.Steps && !stoppingToken.IsCancellationRequested; step++)
        {
            var learningRate = settings.LearningRate / (1.0 + step / settings.DecaySteps);

            var startedFrom = parameters.ToArray();
            var (loss, gradientNorm) = model.Step(parameters, random, settings.BatchSize, learningRate);

            // One value per key, in the keys' order; the row holds the parameters that gave the loss.
            double[] values = [loss, gradientNorm, learningRate, .. startedFrom];
            if (settings.StepDelay > TimeSpan.Zero)
            {
                await Task.Delay(settings.StepDelay, CancellationToken.None);
            }

            await recorder.RecordAsync(new StatsRecord(Stage, step, Keys, values), CancellationToken.None);
            if ((step + 1) % settings.CheckpointEvery == 0 || step == settings.Steps - 1)
            {
                await SaveAsync(new FitCheckpoint(step, parameters, random.State), checkpointPath);
                lastSaved = step;
            }
        }

        var last = step - 1;
        if (last != lastSaved)
        {
            // Stopped between two checkpoints: save where it stopped, so nothing is computed twice.
            await SaveAsync(new FitCheckpoint(last, parameters, random.State), checkpointPath);
        }

        var outcome = step < settings.Steps ? StageOutcome.Interrupted : StageOutcome.Completed;
        await recorder.EndStageAsync(outcome, CancellationToken.None);
        FitLog.Ended(logger, last, outcome, parameters[0], parameters[1], parameters[2]);
    }

    private async Task SaveAsync(FitCheckpoint checkpoint, string path)
    {
        // The flush barrier first: once it completes, every writer holds every step up to this one, so the
        // checkpoint never claims a step that the statistics files lack.
        await recorder.FlushAsync(checkpoint.Step, CancellationToken.None);
        checkpoint.Save(path);
        FitLog.Saved(logger, checkpoint.Step);
    }
}
