using Microsoft.Extensions.Logging;

namespace Jaqmc.Remote;

/// <summary>The remote recorder's log messages.</summary>
internal static partial class RemoteLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Url} unreachable ({Reason}): keeping {Records} records of {Run}/{Stage} and retrying")]
    public static partial void Outage(ILogger logger, Uri url, string reason, long records, string run, string stage);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Url} reachable again after {Seconds:F1} s: unacknowledged records of {Run}/{Stage} were sent again")]
    public static partial void Recovered(ILogger logger, Uri url, double seconds, string run, string stage);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The server refused {Records} records of {Run}/{Stage} up to step {Step}: {Reason}")]
    public static partial void Rejected(ILogger logger, long records, string run, string stage, long step, string reason);
}
