using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// The console logger without stack traces: a message logged with an exception prints as one line, with the
/// exception's message added when the text does not already hold it. <c>jaqmc --verbose</c> keeps the plain console
/// logger, which prints the whole exception. Every console setting (<c>Logging:Console</c>) still applies.
/// </summary>
[ProviderAlias("Console")]
internal sealed class TerseConsoleLoggerProvider(ConsoleLoggerProvider console) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new TerseLogger(console.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => console.SetScopeProvider(scopeProvider);

    public void Dispose() => console.Dispose();
}
