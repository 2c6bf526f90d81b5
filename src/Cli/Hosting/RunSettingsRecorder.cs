using Jaqmc.Sinks;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Passes everything on to the pipeline and writes <see cref="RunSettingsFile"/> before the first stage begins:
/// only once the trainer has accepted the working directory's checkpoints and has a stage to run, so that a run
/// refused for a mismatched configuration, or one with nothing left to do, keeps the settings it was trained with.
/// Each stage's beginning is appended to <see cref="StageStartsFile"/> (the dashboard's resume markers).
/// </summary>
internal sealed class RunSettingsRecorder(IStatsRecorder inner, string workingDirectory, string configuration) : IStatsRecorder
{
    private bool _written;

    public async ValueTask BeginStageAsync(string stage, long initialStep, CancellationToken cancellationToken)
    {
        if (!_written)
        {
            await RunSettingsFile.WriteAsync(workingDirectory, configuration, cancellationToken).ConfigureAwait(false);
            _written = true;
        }

        await StageStartsFile.AppendAsync(workingDirectory, stage, initialStep, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);

        await inner.BeginStageAsync(stage, initialStep, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask RecordAsync(StatsRecord record, CancellationToken cancellationToken) => inner.RecordAsync(record, cancellationToken);

    public ValueTask FlushAsync(long step, CancellationToken cancellationToken) => inner.FlushAsync(step, cancellationToken);

    public ValueTask EndStageAsync(StageOutcome outcome, CancellationToken cancellationToken) => inner.EndStageAsync(outcome, cancellationToken);
}
