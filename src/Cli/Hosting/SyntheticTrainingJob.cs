using Jaqmc.Sinks;
using Jaqmc.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// A producer without physics (<c>Training:Producer=Synthetic</c>): emits <c>Training:Iterations</c> records of 20
/// keys as fast as the pipeline takes them. Used to measure the pipeline and in fault tests.
/// </summary>
internal sealed class SyntheticTrainingJob(IConfiguration configuration, ILogger<SyntheticTrainingJob> logger) : ITrainingJob
{
    public const string ProducerName = "Synthetic";

    private static readonly StatsKeys Keys = new(
    [
        "total_energy", "total_energy_var", "energy:kinetic", "energy:kinetic_var", "energy:potential",
        "energy:potential_var", "loss", "pmove", "learning_rate", "param:alpha", "param:beta",
        "grad_norm", "walker_spread", "step_time", "accept_width", "clip_fraction", "kinetic_ratio",
        "virial", "energy_ema", "variance_ema",
    ]);

    public async Task<int> RunAsync(IStatsRecorder recorder, CancellationToken stoppingToken)
    {
        var iterations = configuration.GetValue("Training:Iterations", 10_000L);
        var stage = configuration.GetValue("Synthetic:Stage", "train")!;
        var delay = configuration.GetValue("Synthetic:StepDelay", TimeSpan.Zero);
        await recorder.BeginStageAsync(stage, 0, stoppingToken).ConfigureAwait(false);
        var outcome = StageOutcome.Completed;
        long step = 0;
        for (; step < iterations; step++)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                outcome = StageOutcome.Interrupted;
                break;
            }

            var values = new double[Keys.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = -2.9 + (i * 0.01) + (1.0 / (step + 1));
            }

            await recorder.RecordAsync(new StatsRecord(stage, step, Keys, values), CancellationToken.None).ConfigureAwait(false);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await recorder.EndStageAsync(outcome, CancellationToken.None).ConfigureAwait(false);
        JobLog.SyntheticDone(logger, outcome == StageOutcome.Completed ? "finished" : "stopped", step);
        return ExitCodes.Success;
    }
}
