using Jaqmc.Sinks.Csv;

// The extension lives in the DI namespace so that `builder.Services.AddCsvStatsWriter()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CSV writer with the statistics pipeline.</summary>
public static class CsvStatsWriterServiceCollectionExtensions
{
    /// <summary>The writer's default name, and so its configuration section <c>Writers:Csv</c>.</summary>
    public const string DefaultName = "Csv";

    /// <summary>
    /// Registers the CSV writer under <paramref name="name"/>; its settings (<see cref="CsvWriterOptions"/>) are bound from
    /// <c>Writers:&lt;name&gt;</c> and validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureDefaults">Changes the defaults; configuration is applied afterwards and wins.</param>
    /// <param name="name">The writer's name.</param>
    public static IServiceCollection AddCsvStatsWriter(this IServiceCollection services, Action<CsvWriterOptions>? configureDefaults = null, string name = DefaultName) =>
        services.AddStatsWriter<CsvStatsWriter, CsvWriterOptions>(name, static (builder, section) => builder.BindConfiguration(section), configureDefaults);
}
