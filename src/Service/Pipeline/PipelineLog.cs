using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Pipeline;

/// <summary>Every message the writer service logs, in one place so their wording and levels stay consistent.</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "This is not the master process: statistics are not written here")]
    public static partial void NotMaster(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Stage '{Stage}' opened {Count} writer(s) at step {Step}")]
    public static partial void StageOpened(ILogger logger, string stage, int count, long step);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Stage '{Stage}' closed ({Outcome})")]
    public static partial void StageClosed(ILogger logger, string stage, Jaqmc.Sinks.StageOutcome outcome);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "The shutdown timeout ({Timeout}) expired before every queued record was written")]
    public static partial void ShutdownTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The statistics dispatcher failed: {Error}")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception, string error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The statistics queue is full (Pipeline:Capacity={Capacity}): dropping records under Pipeline:FullMode={Mode}, first at step {Step}; the writers are slower than training")]
    public static partial void DropsStarted(ILogger logger, int capacity, PipelineFullMode mode, long step);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Dropped {Count} record(s) in this burst ({Total} in total so far)")]
    public static partial void DropBurstEnded(ILogger logger, long count, long total);

    [LoggerMessage(EventId = 8, Message = "Writer {Writer}: {Written} written, {Dropped} dropped, {Failed} failed, {Queued} still queued{Error}")]
    public static partial void WriterSummary(ILogger logger, LogLevel level, string writer, long written, long dropped, long failed, long queued, string error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Writer {Writer} was stopped by the shutdown timeout with {Count} record(s) not written")]
    public static partial void WriterAborted(ILogger logger, string writer, long count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Writer {Writer} failed for stage '{Stage}' and stops: {Error} ({Count} record(s) not written; the run stops and resumes from its last checkpoint)")]
    public static partial void WriterFailed(ILogger logger, Exception exception, string writer, string stage, string error, long count);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Writer {Writer}: dispose failed")]
    public static partial void WriterDisposeFailed(ILogger logger, Exception exception, string writer);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Writer {Writer}: {Operation} failed ({Error}); retrying with backoff, records stay queued ({Queued} waiting)")]
    public static partial void OutageStarted(ILogger logger, string writer, string operation, string error, int queued);

    [LoggerMessage(EventId = 24, Level = LogLevel.Debug, Message = "Writer {Writer}: retry {Attempt} after {Error}")]
    public static partial void Retrying(ILogger logger, string writer, int attempt, string error);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "Writer {Writer} recovered after {Seconds:F1} s and {Retries} retries (last error: {Error}); nothing was lost")]
    public static partial void OutageEnded(ILogger logger, string writer, double seconds, int retries, string? error);
}
