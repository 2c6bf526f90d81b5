using Jaqmc.Remote;
using Jaqmc.Sinks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the DI namespace, like AddStatsPipeline, so `builder.Services.AddRemoteStatsRecorder()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="RemoteStatsRecorder"/> as the training loop's <see cref="IStatsRecorder"/>.</summary>
public static class RemoteStatsRecorderServiceCollectionExtensions
{
    /// <summary>
    /// Makes <see cref="IStatsRecorder"/> send to <c>jaqmc serve</c> (section <c>Remote</c>, validated at start)
    /// instead of writing in this process. Use it in place of <c>AddStatsPipeline</c>, not beside it.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the settings after configuration is applied.</param>
    public static IServiceCollection AddRemoteStatsRecorder(this IServiceCollection services, Action<RemoteRecorderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RemoteRecorderOptions>().BindConfiguration(RemoteRecorderOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RemoteRecorderOptions>, RemoteRecorderOptionsValidator>());
        if (configure is not null)
        {
            options.PostConfigure(configure);
        }

        services.TryAddSingleton<RemoteStatsRecorder>();
        services.Replace(ServiceDescriptor.Singleton<IStatsRecorder>(sp => sp.GetRequiredService<RemoteStatsRecorder>()));
        return services;
    }
}
