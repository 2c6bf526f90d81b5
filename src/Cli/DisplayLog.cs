using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli;

/// <summary>
/// Takes the place of the console logger while the live display runs, so log lines cannot tear the display: the
/// service's own messages (stage started/completed, evaluation energy, writer summaries) and every warning or error
/// are kept, shown under the progress and printed once the display is gone. The per-step lines of the Console
/// writer are left out: the display shows the same numbers.
/// </summary>
/// <param name="verbose">Whether an error's exception is kept whole (with its stack trace) rather than as its message.</param>
internal sealed class DisplayLog(bool verbose) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    /// <summary>The kept lines, oldest first.</summary>
    public IReadOnlyList<(LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines.ToArray();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string category, string message, Exception? exception)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {Abbreviate(level)}: {category}: {message}");
        if (exception is not null)
        {
            text = verbose ? text + Environment.NewLine + exception : Hosting.TerseLogger.WithReason(text, exception);
        }

        lock (_lock)
        {
            _lines.Add((level, text));
        }
    }

    private static string Abbreviate(LogLevel level) => level switch
    {
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "info",
    };

    private static bool Keep(LogLevel level, string category) =>
        level >= LogLevel.Warning
        || (level == LogLevel.Information && category.StartsWith("Jaqmc.", StringComparison.Ordinal));

    private sealed class Logger(DisplayLog owner, string category) : ILogger
    {
        // "Jaqmc.Training.VmcTrainer" reads better as "VmcTrainer" in a narrow display.
        private readonly string _shortCategory = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Keep(logLevel, category);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add(logLevel, _shortCategory, formatter(state, exception), exception);
            }
        }
    }
}
