using Microsoft.Extensions.Logging;

namespace Jaqmc.Cli.Hosting;

/// <summary>Passes messages on without their exception, whose message joins the text instead (see <see cref="TerseConsoleLoggerProvider"/>).</summary>
internal sealed class TerseLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is null)
        {
            inner.Log(logLevel, eventId, state, null, formatter);
            return;
        }

        inner.Log(logLevel, eventId, state, null, (s, _) => WithReason(formatter(s, exception), exception));
    }

    /// <summary>The text, with the exception's message added in brackets unless the text already says it.</summary>
    public static string WithReason(string text, Exception exception)
    {
        var reason = exception.Message.ReplaceLineEndings(" ").Trim();
        return reason.Length == 0 || text.Contains(reason, StringComparison.Ordinal) ? text : $"{text} ({reason})";
    }
}
