using Jaqmc.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

public static partial class JaqmcHost
{
    /// <summary>
    /// Builds and runs the host, turning configuration errors into one line each on stderr and the documented exit
    /// codes (<see cref="ExitCodes"/>). Custom writers are added in <paramref name="configure"/>.
    /// </summary>
    public static Task<int> RunAsync(string[] args, Action<HostApplicationBuilder>? configure = null) =>
        RunAsync(args, verbose: false, configure);

    /// <inheritdoc cref="RunAsync(string[], Action{HostApplicationBuilder}?)"/>
    /// <param name="args">Command-line arguments; <c>--Section:Key=value</c> overrides any setting.</param>
    /// <param name="verbose">Whether exceptions are logged with their stack traces (see <see cref="CreateBuilder(string[], bool)"/>).</param>
    /// <param name="configure">Adds to the builder, such as custom writers.</param>
    public static async Task<int> RunAsync(string[] args, bool verbose, Action<HostApplicationBuilder>? configure = null)
    {
        IHost host;
        try
        {
            var builder = CreateBuilder(args, verbose);
            configure?.Invoke(builder);
            host = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException || ValidationFailures(e).Count > 0)
        {
            var failures = ValidationFailures(e);
            foreach (var failure in failures.Count > 0 ? failures : [Describe(e)])
            {
                await Console.Error.WriteLineAsync($"jaqmc: configuration error: {failure}").ConfigureAwait(false);
            }

            return ExitCodes.Configuration;
        }

        var exitCode = host.Services.GetRequiredService<ExitCodeHolder>();
        try
        {
            // RunAsync without its dispose: the pipeline's state is read after the stop.
            await host.StartAsync().ConfigureAwait(false);
            await host.WaitForShutdownAsync().ConfigureAwait(false);

            // Read once the host has stopped, so it includes what failed while the writers drained after training:
            // an upload of the spool that meets bad credentials at the stop fails the run as it would have during it.
            if (host.Services.GetRequiredService<IStatsPipelineStatus>().Fault is not null)
            {
                exitCode.Set(ExitCodes.WriterFailed);
            }
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
            [BindingErrorMessage.TryRewrite(i.Message) ?? i.Message + (i.InnerException is null ? string.Empty : $" ({i.InnerException.Message})")],
        _ => [],
    };

    private static string Describe(Exception e)
    {
        // "Failed to load configuration from file '…/appsettings.json'." + the parser's position of the error.
        var inner = e.InnerException is null ? string.Empty : $" ({e.InnerException.Message})";
        return e.Message + inner;
    }
}
