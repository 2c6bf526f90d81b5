using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Samples.OwnTrainingLoop;

/// <summary>The sample's log messages.</summary>
internal static partial class FitLog
{
    [LoggerMessage(1, LogLevel.Information, "Training from step {Step} to {Steps} (checkpoint {Path})")]
    public static partial void Starting(ILogger logger, long step, int steps, string path);

    [LoggerMessage(2, LogLevel.Information, "Checkpoint saved at step {Step}")]
    public static partial void Saved(ILogger logger, long step);

    [LoggerMessage(3, LogLevel.Information, "Training stopped at step {Step} ({Outcome}): c0={C0:F4}, c1={C1:F4}, c2={C2:F4}")]
    public static partial void Ended(ILogger logger, long step, StageOutcome outcome, double c0, double c1, double c2);

    [LoggerMessage(4, LogLevel.Error, "Training failed")]
    public static partial void Failed(ILogger logger, Exception exception);
}
