using Jaqmc.Training;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Receives the trainer's progress (at most ~10 times a second) and keeps the latest value for whoever displays it.
/// </summary>
public sealed class TrainingProgressReporter : IProgress<TrainingProgress>
{
    private TrainingProgress? _latest;

    /// <summary>Raised on the training thread after each report; handlers must be quick.</summary>
    public event Action<TrainingProgress>? Reported;

    /// <summary>The latest report, if any.</summary>
    public TrainingProgress? Latest => _latest;

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        _latest = value;
        Reported?.Invoke(value);
    }
}
