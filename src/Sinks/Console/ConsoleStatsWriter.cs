using System.Text;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Sinks.Console;

/// <summary>
/// Logs one line per <see cref="ConsoleWriterOptions.Interval"/> steps, JaQMC style:
/// <c>step=12, pmove=0.52, energy=-0.4900, variance=0.0123</c>. It goes through the host's logging with the stage
/// as category, so it lands wherever logs go (the console by default).
/// </summary>
public sealed partial class ConsoleStatsWriter : StatsWriter
{
    private readonly ConsoleWriterOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IReadOnlyList<ConsoleFieldSpec> _fields;
    private readonly HashSet<string> _warnedMissing = new(StringComparer.Ordinal);
    private readonly StringBuilder _line = new();
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Creates the writer.</summary>
    public ConsoleStatsWriter(ConsoleWriterOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _fields = ConsoleFieldSpec.ParseList(options.Fields);
    }

    /// <inheritdoc />
    protected override ValueTask OnOpenAsync(WriterContext context, CancellationToken cancellationToken)
    {
        _logger = _loggerFactory.CreateLogger(context.Stage);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnWriteAsync(IReadOnlyList<StatsRecord> batch, CancellationToken cancellationToken)
    {
        foreach (var record in batch)
        {
            if (record.Step % _options.Interval != 0)
            {
                continue;
            }

            _line.Clear().Append("step=").Append(record.Step);
            foreach (var field in _fields)
            {
                if (!record.TryGetValue(field.Key, out var value))
                {
                    if (_warnedMissing.Add(field.Key))
                    {
                        LogMissingField(_logger, field.Key, string.Join(", ", record.Keys.Order(StringComparer.Ordinal)));
                    }

                    continue;
                }

                _line.Append(", ").Append(field.Alias).Append('=').Append(field.Format(value));
            }

            LogStatsLine(_logger, _line.ToString());
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ValueTask OnFlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    protected override ValueTask OnCloseAsync(StageOutcome outcome, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    [LoggerMessage(EventId = 0, Level = LogLevel.Information, Message = "{StatsLine}")]
    private static partial void LogStatsLine(ILogger logger, string statsLine);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Console field '{Key}' is not in the stats; available keys: {Keys}")]
    private static partial void LogMissingField(ILogger logger, string key, string keys);
}
