using Jaqmc.Service.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaqmc.Service;

/// <summary>The <c>jaqmc</c> program.</summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        IHost host;
        try
        {
            host = JaqmcHost.CreateBuilder(args).Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            await Console.Error.WriteLineAsync($"jaqmc: configuration error: {Describe(e)}").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }

        var exitCode = host.Services.GetRequiredService<ExitCodeHolder>();
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (ValidationFailures(e) is { Count: > 0 } failures)
        {
            foreach (var failure in failures)
            {
                await Console.Error.WriteLineAsync($"jaqmc: configuration error: {failure}").ConfigureAwait(false);
            }

            return ExitCodes.Configuration;
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync().ConfigureAwait(false);
        }

        return exitCode.Code;
    }

    private static List<string> ValidationFailures(Exception e) => e switch
    {
        OptionsValidationException v => v.Failures.ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(ValidationFailures).ToList(),

        // The binder's "Failed to convert configuration value '…' at 'Pipeline:FullMode' to type '…'".
        InvalidOperationException i when i.Message.Contains("configuration value", StringComparison.Ordinal) =>
            [i.Message + (i.InnerException is null ? string.Empty : $" ({i.InnerException.Message})")],
        _ => [],
    };

    private static string Describe(Exception e)
    {
        // "Failed to load configuration from file '…/appsettings.json'." + the parser's position of the error.
        var inner = e.InnerException is null ? string.Empty : $" ({e.InnerException.Message})";
        return e.Message + inner;
    }
}
