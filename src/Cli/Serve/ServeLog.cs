using Jaqmc.Sinks;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Serve;

/// <summary>The server's log messages.</summary>
internal static partial class ServeLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving on {Urls}: runs under '{Root}', token {TokenState}")]
    public static partial void Listening(ILogger logger, string urls, string root, string tokenState);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stream {Run}/{Stage} opened at initial step {InitialStep} ({Id})")]
    public static partial void Opened(ILogger logger, string run, string stage, long initialStep, string id);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stream {Run}/{Stage} reattached: durable up to step {DurableStep}")]
    public static partial void Reattached(ILogger logger, string run, string stage, long durableStep);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Stream {Run}/{Stage} closed ({Outcome}): durable up to step {DurableStep}, {Records} records written, {Skipped} resent records skipped")]
    public static partial void Closed(ILogger logger, string run, string stage, StageOutcome outcome, long durableStep, long records, long skipped);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Stream {Run}/{Stage}: its state file could not be written ({Reason}); `jaqmc runs` will not show how it ended")]
    public static partial void StateNotWritten(ILogger logger, string run, string stage, string reason);
}
