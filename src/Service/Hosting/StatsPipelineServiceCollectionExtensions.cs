using System.Diagnostics.CodeAnalysis;
using Jaqmc.Service.Hosting;
using Jaqmc.Service.Pipeline;
using Jaqmc.Service.Spool;
using Jaqmc.Service;
using Jaqmc.Sinks.Hosting;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// The extension lives in the DI namespace so that `builder.Services.AddStatsPipeline()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the statistics writer service to a generic host.</summary>
public static class StatsPipelineServiceCollectionExtensions
{
    /// <summary>
    /// The host waits this much longer than <c>Pipeline:ShutdownTimeout</c>: the pipeline enforces the deadline
    /// itself (aborting and reporting what is left), and the margin lets it log its summary.
    /// </summary>
    private static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers the writer service: <see cref="IStatsRecorder"/> for the training loop, and the hosted service
    /// that dispatches records to every writer added with <c>AddStatsWriter</c> (or <c>AddCsvStatsWriter</c>,
    /// <c>AddHdf5StatsWriter</c>, ...), drains on Ctrl+C and logs a summary per writer. Settings are bound from the
    /// sections <c>Pipeline</c> (<see cref="PipelineOptions"/>), <c>Run</c> (<see cref="RunOptions"/>) and
    /// <c>Distributed</c> (<see cref="DistributedOptions"/>) and validated when the host starts; change them in
    /// code with <paramref name="configure"/> or <c>services.Configure&lt;RunOptions&gt;(...)</c>. A process whose
    /// <see cref="DistributedOptions.ProcessIndex"/> is not 0 gets a recorder that writes nothing.
    /// </summary>
    /// <remarks>
    /// Register the hosted service that runs your training loop after this call: the host stops services in reverse
    /// order, so the loop stops (and ends its stage behind the flush barrier) before the writer service drains.
    /// Registered before, the writer service ends the open stage as interrupted first and the loop's next call
    /// fails.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the pipeline's settings after configuration is applied.</param>
    /// <returns><paramref name="services"/>, to chain writer registrations.</returns>
    public static IServiceCollection AddStatsPipeline(this IServiceCollection services, Action<PipelineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        // Bound where the type is known, so the configuration binding source generator compiles each binding.
        AddValidated(services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section), PipelineOptions.Section);
        AddValidated(services.AddOptions<RunOptions>().BindConfiguration(RunOptions.Section), RunOptions.Section);
        AddValidated(services.AddOptions<DistributedOptions>().BindConfiguration(DistributedOptions.Section), DistributedOptions.Section);
        if (configure is not null)
        {
            services.PostConfigure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineOptions>, KnownWritersValidator>());

        // The raw setting: the validated PipelineOptions must not be resolved while the host is being built.
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) =>
        {
            var timeout = configuration.GetValue($"{PipelineOptions.Section}:{nameof(PipelineOptions.ShutdownTimeout)}", TimeSpan.FromSeconds(30));
            var margin = ShutdownMargin + (timeout > TimeSpan.Zero ? timeout : TimeSpan.FromSeconds(30));
            host.ShutdownTimeout = host.ShutdownTimeout > margin ? host.ShutdownTimeout : margin;
        });
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<RunConfigurationSnapshot>();
        services.TryAddSingleton<RemoteSpools>();
        services.TryAddSingleton<IStatsSpoolSync>(sp => sp.GetRequiredService<RemoteSpools>());
        services.TryAddSingleton<StatsPipeline>();
        services.TryAddSingleton<IStatsRecorder>(sp => sp.GetRequiredService<IOptions<DistributedOptions>>().Value.IsMaster
            ? sp.GetRequiredService<StatsPipeline>()
            : new NullStatsRecorder());
        services.TryAddSingleton<IStatsPipelineStatus>(sp => sp.GetRequiredService<StatsPipeline>());
        services.AddHostedService<StatsPipelineHostedService>();
        return services;
    }

    private static void AddValidated<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(OptionsBuilder<T> options, string section)
        where T : class
    {
        options.ValidateOnStart();
        options.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new SectionOptionsValidator<T>(null, section)));
    }
}
