using Jaqmc.Sinks.Hdf5;

// The extension lives in the DI namespace so that `builder.Services.AddHdf5StatsWriter()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the HDF5 writer with the statistics pipeline.</summary>
public static class Hdf5StatsWriterServiceCollectionExtensions
{
    /// <summary>The writer's default name, and so its configuration section <c>Writers:Hdf5</c>.</summary>
    public const string DefaultName = "Hdf5";

    /// <summary>
    /// Registers the HDF5 writer under <paramref name="name"/>; its settings (<see cref="Hdf5WriterOptions"/>) are bound from
    /// <c>Writers:&lt;name&gt;</c> and validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureDefaults">Changes the defaults; configuration is applied afterwards and wins.</param>
    /// <param name="name">The writer's name.</param>
    public static IServiceCollection AddHdf5StatsWriter(this IServiceCollection services, Action<Hdf5WriterOptions>? configureDefaults = null, string name = DefaultName) =>
        services.AddStatsWriter<Hdf5StatsWriter, Hdf5WriterOptions>(name, static (builder, section) => builder.BindConfiguration(section), configureDefaults);
}
