using Jaqmc.Service.Pipeline;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Service.Spool;

/// <summary>Every message the spool and its uploader log.</summary>
internal static partial class SpoolLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Writer {Writer}: {Records} record(s) left in the spool {Directory} by an earlier run; uploading them first")]
    public static partial void Found(ILogger logger, string writer, long records, string directory);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Writer {Writer}: {Records} record(s) and {StageChanges} stage open/close frame(s) are spooled in {Directory} and not yet in the database; the next start or 'jaqmc sync {RunDirectory}' uploads them")]
    public static partial void LeftSpooled(ILogger logger, string writer, long records, long stageChanges, string directory, string runDirectory);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Writer {Writer}: uploading the spool failed and stops: {Error} ({Records} record(s) stay in the spool {Directory}; fix the cause, then run again or 'jaqmc sync')")]
    public static partial void UploadFailed(ILogger logger, Exception exception, string writer, string error, long records, string directory);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Writer {Writer}: the spool is full (Spool:MaxBytes={MaxBytes}) at step {Step}; Pipeline:FullMode={Mode} decides")]
    public static partial void Full(ILogger logger, string writer, long maxBytes, PipelineFullMode mode, long step);

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Writer {Writer}: dropped {Count} record(s) from step {Step} on because the spool is full ({Total} dropped in total)")]
    public static partial void Dropped(ILogger logger, string writer, int count, long step, long total);

    [LoggerMessage(EventId = 45, Level = LogLevel.Warning, Message = "Writer {Writer}: spool segment {Path} is damaged at byte {Offset} of {Length}; the rest of it is skipped")]
    public static partial void Damaged(ILogger logger, string writer, string path, long offset, long length);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "Writer {Writer}: {Count} spooled record(s) belong to no open stage and are skipped")]
    public static partial void Orphans(ILogger logger, string writer, int count);

    [LoggerMessage(EventId = 47, Level = LogLevel.Error, Message = "Writer {Writer}: cannot open its spool: {Error}")]
    public static partial void OpenFailed(ILogger logger, string writer, string error);
}
