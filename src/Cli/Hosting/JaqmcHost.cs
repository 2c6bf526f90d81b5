using Jaqmc.Service.Hosting;
using Jaqmc.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>Builds the service's generic host: configuration, options validated at start, pipeline, writers, training.</summary>
public static partial class JaqmcHost
{
    /// <summary>Environment variables with this prefix override configuration (<c>JAQMC_Pipeline__Capacity=1024</c>).</summary>
    public const string EnvironmentPrefix = "JAQMC_";

    /// <summary>The setting (<c>--config FILE</c>) naming an extra JSON settings file layered over appsettings.json.</summary>
    public const string ConfigFileKey = "config";

    /// <summary>
    /// The setting choosing the producer: <c>Vmc</c> (default, the real trainer) or <c>Synthetic</c> (no physics:
    /// records of 20 keys as fast as the writers take them, for measuring the pipeline).
    /// </summary>
    public const string ProducerKey = "Training:Producer";

    /// <summary>Creates a host builder with every built-in writer and the training job registered.</summary>
    /// <param name="args">Command-line arguments; <c>--Section:Key=value</c> overrides any setting.</param>
    public static HostApplicationBuilder CreateBuilder(string[] args) => CreateBuilder(args, verbose: false);

    /// <summary>Creates a host builder with every built-in writer and the training job registered.</summary>
    /// <param name="args">Command-line arguments; <c>--Section:Key=value</c> overrides any setting.</param>
    /// <param name="verbose">
    /// Whether the console log prints the exceptions logged with a message in full (stack traces); otherwise a
    /// message stays one line, with the exception's message in it.
    /// </param>
    /// <exception cref="OptionsValidationException"><c>Writers:Hdf5:Enabled</c> is not true, false or auto.</exception>
    public static HostApplicationBuilder CreateBuilder(string[] args, bool verbose)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ConfigurationReload.WithReloadOff(args),
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = "jaqmc",
        });

        // Precedence, lowest first: appsettings.json, --config FILE, JAQMC_ environment variables, the command line.
        if (builder.Configuration[ConfigFileKey] is { Length: > 0 } file)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args);
        if (!verbose)
        {
            UseTerseConsole(builder.Services);
        }

        // Before the pipeline, so that its warning is the first line of the run.
        Hdf5WriterSwitch.Apply(builder);
        builder.Services.AddStatsPipeline();
        builder.Services.AddBuiltInStatsWriters(builder.Configuration);
        builder.Services.AddTrainingJob();
        builder.Services.AddProgramSettingsCheck();
        return builder;
    }

    /// <summary>Registers Console and CSV (and the other built-in writers) under <c>Writers:&lt;Name&gt;</c>.</summary>
    public static IServiceCollection AddBuiltInStatsWriters(this IServiceCollection services, IConfiguration configuration)
    {
        // JaQMC's order: console, hdf5, csv; then the database.
        services.AddConsoleStatsWriter();
        services.AddHdf5StatsWriter();
        services.AddCsvStatsWriter();
        services.AddPostgresStatsWriter();
        return services;
    }

    private static void UseTerseConsole(IServiceCollection services)
    {
        var console = services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToArray();
        if (console.Length == 0)
        {
            return;
        }

        foreach (var descriptor in console)
        {
            services.Remove(descriptor);
        }

        services.AddSingleton<ILoggerProvider>(sp => new TerseConsoleLoggerProvider(
            new ConsoleLoggerProvider(sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), sp.GetServices<ConsoleFormatter>())));
    }

    /// <summary>Registers the training job (after the pipeline, so it stops first and drains into it).</summary>
    public static IServiceCollection AddTrainingJob(this IServiceCollection services)
    {
        services.TryAddSingleton<ExitCodeHolder>();
        services.TryAddSingleton<TrainingProgressReporter>();
        services.AddVmcTraining();

        // Only the master saves checkpoints: the processes of a distributed run share one working directory.
        services.AddOptions<Jaqmc.Training.TrainingOptions>().PostConfigure<IOptions<DistributedOptions>>(
            (training, distributed) => training.SaveCheckpoints &= distributed.Value.IsMaster);
        services.TryAddSingleton<VmcTrainingJob>();
        services.TryAddSingleton<SyntheticTrainingJob>();
        services.TryAddSingleton<ITrainingJob>(sp =>
            string.Equals(sp.GetRequiredService<IConfiguration>()[ProducerKey], SyntheticTrainingJob.ProducerName, StringComparison.OrdinalIgnoreCase)
                ? sp.GetRequiredService<SyntheticTrainingJob>()
                : sp.GetRequiredService<VmcTrainingJob>());
        services.AddHostedService<TrainingHostedService>();
        return services;
    }
}
