using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Hosting;

/// <summary>What the program's jobs log, in one place.</summary>
internal static partial class JobLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Stopping: {Error}")]
    public static partial void Stopping(ILogger logger, string error);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Stopping: {Error}")]
    public static partial void StoppingAlreadyReported(ILogger logger, string error);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Stopping: could not write to disk: {Error}")]
    public static partial void DiskFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Training failed: {Error}")]
    public static partial void TrainingCrashed(ILogger logger, Exception exception, string error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Training failed: {Reason}")]
    public static partial void TrainingFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Stopped on request at {Steps}; a checkpoint was saved: run the same command again to continue")]
    public static partial void StoppedOnRequest(ILogger logger, string steps);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Evaluation energy: {Energy:F6} ± {Error:F6} Ha ({Parameters})")]
    public static partial void EvaluationEnergy(ILogger logger, double energy, double error, string parameters);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Synthetic producer {Outcome} after {Steps} steps")]
    public static partial void SyntheticDone(ILogger logger, string outcome, long steps);
}
