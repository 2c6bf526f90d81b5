using System.CommandLine;
using Jaqmc.Cli.Hosting;
using Jaqmc.Sinks.Hdf5;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Serve;

/// <summary>
/// <c>jaqmc serve</c>: the writer service without a trainer. Clients (the Python module in clients/python, the .NET
/// <c>RemoteStatsRecorder</c>) open streams and send batches; each stream writes with the configured writers under
/// <c>--root DIR/&lt;run&gt;/</c>, exactly as <c>jaqmc train</c> would in that working directory.
/// </summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var root = new Option<string?>("--root", "-r") { Description = "Write each run under DIR/<run name>/ (default: Serve:Root, runs).", HelpName = "DIR" };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, ';'-separated (default: Serve:Urls, http://127.0.0.1:5170). A non-loopback address needs a token.", HelpName = "URLS" };
        var token = new Option<string?>("--token") { Description = "Require 'Authorization: Bearer TOKEN' on every request (default: Serve:Token, JAQMC_Serve__Token).", HelpName = "TOKEN" };
        var command = new Command(Name, "Receive statistics over HTTP from other processes (Python, .NET) and write them with the configured writers.")
        {
            root, urls, token,
        };
        help.Examples(
            command,
            "jaqmc serve --root /data/jaqmc",
            "JAQMC_Serve__Token=s3cret jaqmc serve --urls http://0.0.0.0:5170 --root /data/jaqmc",
            "jaqmc serve --root runs --Writers:Hdf5:Enabled=false   # CSV only");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new List<KeyValuePair<string, string?>>();
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    overrides.Add(new($"{ServeOptions.Section}:{key}", value));
                }
            }

            Set(nameof(ServeOptions.Root), parse.GetValue(root));
            Set(nameof(ServeOptions.Urls), parse.GetValue(urls));
            Set(nameof(ServeOptions.Token), parse.GetValue(token));
            await using var app = Build(hostArgs, overrides);
            var options = ValidatedOptions(app);
            await ProbeWritersAsync(app, options, cancellationToken).ConfigureAwait(false);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot listen on {options.Urls}: {e.Message}", ExitCodes.Configuration);
            }

            ServeLog.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServeCommand).FullName!), options.Urls, Path.GetFullPath(options.Root), options.Token.Length > 0 ? "required" : "not required (loopback only)");
            await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The web host: appsettings.json, <c>--config</c>, <c>JAQMC_</c> variables and the command line, as for <c>train</c>.</summary>
    public static WebApplication Build(IReadOnlyList<string> hostArgs, IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ConfigurationReload.WithReloadOff(hostArgs),
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "jaqmc",
        });
        if (builder.Configuration[JaqmcHost.ConfigFileKey] is { Length: > 0 } file)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        // A line per request is noise beside the per-stream lines; settings below can still turn it on.
        builder.Configuration.AddInMemoryCollection([new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")]);
        builder.Configuration.AddEnvironmentVariables(JaqmcHost.EnvironmentPrefix);
        builder.Configuration.AddCommandLine(hostArgs.ToArray());
        builder.Configuration.AddInMemoryCollection(overrides);

        // Every stream would print to the server's console, interleaved: the console writer is off in serve.
        var hdf5 = builder.Configuration[Hdf5WriterSwitch.EnabledKey]?.Trim();
        builder.Configuration.AddInMemoryCollection(
        [
            new("Writers:Console:Enabled", "false"),
            new(Hdf5WriterSwitch.EnabledKey, string.IsNullOrEmpty(hdf5) || string.Equals(hdf5, Hdf5WriterSwitch.Auto, StringComparison.OrdinalIgnoreCase)
                ? (Hdf5LibraryAvailability.Problem() is null ? "true" : "false")
                : hdf5),
        ]);

        var serve = builder.Configuration.GetSection(ServeOptions.Section);
        builder.WebHost.UseUrls(serve[nameof(ServeOptions.Urls)] ?? new ServeOptions().Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = serve.GetValue(nameof(ServeOptions.MaxRequestBytes), new ServeOptions().MaxRequestBytes);
        });
        builder.Services.AddOptions<ServeOptions>().Bind(serve).RefuseUnknownSettings(ServeOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<ServeOptions>>(new SectionValidator<ServeOptions>(ServeOptions.Section));
        builder.Services.AddSingleton<RemoteStreams>();
        var app = builder.Build();
        ServeEndpoints.Map(app);
        return app;
    }

    /// <summary>A bad writer setting or an unwritable root is a configuration error at start, not at the first stream.</summary>
    private static async Task ProbeWritersAsync(WebApplication app, ServeOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var root = Path.GetFullPath(options.Root);
            Directory.CreateDirectory(root);
            var probe = await StreamPipeline.StartAsync(app.Configuration, NullLoggerFactory.Instance, root, "probe", cancellationToken).ConfigureAwait(false);
            await probe.DisposeAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            throw new CliException("configuration error: " + string.Join("; ", e.Failures), ExitCodes.Configuration);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"configuration error: Serve:Root must be a writable directory (got '{options.Root}': {e.Message})", ExitCodes.Configuration);
        }
    }

    private static ServeOptions ValidatedOptions(WebApplication app)
    {
        // Kestrel's own endpoint list would replace Serve:Urls and so bypass its rule that a non-loopback address
        // needs a token: addresses come from Serve:Urls only (TLS from Kestrel:Certificates:Default).
        if (app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().FirstOrDefault() is { } endpoint)
        {
            throw new CliException($"configuration error: Kestrel:Endpoints must not be set: give the addresses in Serve:Urls (--urls) and an https:// address's certificate in Kestrel:Certificates:Default (got {endpoint.Path})", ExitCodes.Configuration);
        }

        var services = app.Services;
        try
        {
            return services.GetRequiredService<IOptions<ServeOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new CliException("configuration error: " + string.Join("; ", e.Failures), ExitCodes.Configuration);
        }
    }
}
