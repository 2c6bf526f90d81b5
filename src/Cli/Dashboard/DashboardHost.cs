using Jaqmc.Cli.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// Builds and starts the dashboard's web host, for <c>jaqmc dashboard</c> and <c>jaqmc train --dashboard</c>: the
/// configuration layers of <c>serve</c>, a token generated (and printed once, never logged) when it binds beyond
/// loopback without one, and the address to open printed on stdout.
/// </summary>
internal static class DashboardHost
{
    /// <summary>Builds the host, checks its settings and starts it; the caller disposes it.</summary>
    /// <param name="hostArgs">The <c>--Section:Key=value</c> overrides of the command line.</param>
    /// <param name="configFile">A JSON settings file layered over appsettings.json (<c>train --config</c>), or null.</param>
    /// <param name="overrides">Settings from the verb's options (<c>Dashboard:Urls</c>, <c>Dashboard:Token</c>).</param>
    /// <param name="directory">The run directory tree to show, or null.</param>
    /// <param name="connection">The PostgreSQL connection string from <c>-c</c>, or null for <c>ConnectionStrings:Stats</c>.</param>
    /// <param name="quiet">No log on the console (under <c>train</c>'s live display), and no warm-up (<see cref="DashboardWarmUp"/>): the CPU is the training's.</param>
    /// <param name="output">Where the address (and a generated token) is printed.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<WebApplication> StartAsync(
        IReadOnlyList<string> hostArgs, string? configFile, List<KeyValuePair<string, string?>> overrides, string? directory, string? connection, bool quiet, TextWriter output, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [ConfigurationReload.OffArgument], ContentRootPath = AppContext.BaseDirectory, ApplicationName = "jaqmc" });
        builder.Configuration.AddInMemoryCollection([new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"), new("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning")]);
        builder.Configuration.AddConfiguration(CliSettings.Build(hostArgs, configFile));
        var section = builder.Configuration.GetSection(DashboardOptions.Section);
        var urls = overrides.LastOrDefault(o => o.Key == $"{DashboardOptions.Section}:Urls").Value ?? section["Urls"] ?? new DashboardOptions().Urls;
        var token = overrides.LastOrDefault(o => o.Key == $"{DashboardOptions.Section}:Token").Value ?? section["Token"];
        var generated = string.IsNullOrEmpty(token) && !ListenUrls.AllLoopback(urls) ? BearerToken.Generate() : null;
        if (generated is not null)
        {
            overrides.Add(new($"{DashboardOptions.Section}:Token", generated));
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        if (quiet)
        {
            builder.Logging.ClearProviders();
        }

        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddOptions<DashboardOptions>().Bind(section).RefuseUnknownSettings(DashboardOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<DashboardOptions>>(new SectionValidator<DashboardOptions>(DashboardOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        var store = PostgresRunStore.TryCreate(connection, builder.Configuration);
        var sources = new List<IRunSource>();
        if (directory is not null || Directory.Exists("runs") || store is null)
        {
            var root = directory ?? (Directory.Exists("runs") ? "runs" : ".");
            if (!Directory.Exists(root))
            {
                throw new CliException($"no directory {root}", ExitCodes.Configuration);
            }

            sources.Add(new DirectoryRunSource(root, new StageColumnsCache(), new SpoolBacklogCache(builder.Configuration), TimeProvider.System));
        }

        if (store is not null)
        {
            sources.Add(new PostgresRunSource(store));
            builder.Services.AddSingleton(_ => store); // disposed with the host
        }

        builder.Services.AddSingleton(new RunCatalogue(sources));
        builder.Services.AddSingleton<LiveRunWatcher>();
        builder.Services.AddSingleton<CurveResponseCache>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LiveRunWatcher>());
        var app = builder.Build();
        DashboardEndpoints.Map(app);
        try
        {
            var options = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var described = string.Join(" and ", sources.Select(s => s is DirectoryRunSource d ? $"'{d.Root}'" : "PostgreSQL"));
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardHost).FullName!);
            DashboardLog.Listening(logger, options.Urls, described, options.Token.Length > 0 ? "required" : "not required (loopback only)");
            var first = ListenUrls.Split(options.Urls)[0].Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
            if (!quiet)
            {
                await DashboardWarmUp.RunAsync(first, options.Token, logger, cancellationToken).ConfigureAwait(false);
            }

            await output.WriteLineAsync(generated is null
                ? $"Dashboard: {first}/ (runs from {described})"
                : $"Dashboard: {first}/?token={generated} (runs from {described}; this token is shown once: keep it)").ConfigureAwait(false);
            return app;
        }
        catch (OptionsValidationException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new CliException("configuration error: " + string.Join("; ", e.Failures), ExitCodes.Configuration);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new CliException($"cannot listen on {urls}: {e.Message}", ExitCodes.Configuration);
        }
    }
}
