using Microsoft.Extensions.Logging;

namespace Jaqmc.Training;

/// <summary>The trainer's log messages (source-generated, so disabled levels cost nothing).</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(1, LogLevel.Warning, "Checkpoint {Path} is unreadable ({Reason}); falling back to the previous one.")]
    public static partial void UnreadableCheckpoint(ILogger logger, string path, string reason, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Saved checkpoint {Path}.")]
    public static partial void CheckpointSaved(ILogger logger, string path);

    [LoggerMessage(3, LogLevel.Warning, "Could not delete old checkpoint {Path}.")]
    public static partial void PruneFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Stage {Stage} is already complete (last step {Step}); skipping it.")]
    public static partial void StageSkipped(ILogger logger, string stage, long step);

    [LoggerMessage(5, LogLevel.Information, "Stage {Stage}: starting at step {InitialStep} of {Iterations} ({System}, {Walkers} walkers).")]
    public static partial void StageStarting(ILogger logger, string stage, long initialStep, long iterations, string system, int walkers);

    [LoggerMessage(6, LogLevel.Information, "Stage {Stage}: stopped at step {Step}; it resumes from the checkpoint.")]
    public static partial void StageInterrupted(ILogger logger, string stage, long step);

    [LoggerMessage(7, LogLevel.Error, "Stage {Stage} failed: {Reason}")]
    public static partial void StageFailed(ILogger logger, string stage, string reason);

    [LoggerMessage(8, LogLevel.Information, "Stage {Stage} completed at step {Step} ({StepsPerSecond:F1} steps/s).")]
    public static partial void StageCompleted(ILogger logger, string stage, long step, double stepsPerSecond);

    [LoggerMessage(9, LogLevel.Information, "Evaluation energy: {Energy:F6} ± {StandardError:F6} hartree ({Steps} steps, blocking-corrected).")]
    public static partial void EvaluationResult(ILogger logger, double energy, double standardError, int steps);

    [LoggerMessage(10, LogLevel.Information, "Parameter {Name} = {Value:G10}.")]
    public static partial void FinalParameter(ILogger logger, string name, double value);

    [LoggerMessage(12, LogLevel.Debug, "Stage {Stage} ends as failed: {Reason}")]
    public static partial void StageAborted(ILogger logger, string stage, string reason);

    [LoggerMessage(13, LogLevel.Information, "Stage {Stage} is off (Evaluation:Iterations=0): training only.")]
    public static partial void StageOff(ILogger logger, string stage);

    [LoggerMessage(11, LogLevel.Warning, "The evaluation checkpoint (step {Step}) was made with parameters other than the trained ones; the evaluation starts over.")]
    public static partial void StaleEvaluation(ILogger logger, long step);
}
