using Microsoft.Extensions.Logging;

namespace Jaqmc.Sinks.Csv;

/// <summary>What the CSV writer logs.</summary>
internal static partial class CsvWriterLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Path} is not a stats file written by this writer ({Reason}); moved it to {Aside} and started a new file")]
    public static partial void ForeignFileMovedAside(ILogger logger, string path, string reason, string aside);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Path} has {Count} malformed line(s) (first: line {Line}); kept a copy at {Copy} and dropped those lines")]
    public static partial void MalformedLinesDropped(ILogger logger, string path, int count, int line, string copy);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Resuming {Path} at step {Step}: kept {Kept} rows, discarded {Discarded} rows at or after it{Torn}")]
    public static partial void Resuming(ILogger logger, string path, long step, int kept, int discarded, string torn);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Path}: new key(s) {Keys} appeared at step {Step}; widened the header")]
    public static partial void HeaderWidened(ILogger logger, string path, string keys, long step);
}
