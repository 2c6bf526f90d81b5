using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Dashboard;

/// <summary>The dashboard's log messages. None carries the connection string or the token.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Dashboard on {Urls}: runs from {Sources}; token {TokenState}")]
    public static partial void Listening(ILogger logger, string urls, string sources, string tokenState);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The live stream cannot list the runs: {Reason}")]
    public static partial void PollFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "The live stream lists the runs again")]
    public static partial void PollRecovered(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "The dashboard could not ask itself for {Path} before printing its address ({Reason}); the first view compiles it instead")]
    public static partial void WarmUpFailed(ILogger logger, string path, string reason);
}
