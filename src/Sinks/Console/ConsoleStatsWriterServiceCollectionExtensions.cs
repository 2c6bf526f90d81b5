using Jaqmc.Sinks.Console;

// The extension lives in the DI namespace so that `builder.Services.AddConsoleStatsWriter()` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the console writer with the statistics pipeline.</summary>
public static class ConsoleStatsWriterServiceCollectionExtensions
{
    /// <summary>The writer's default name, and so its configuration section <c>Writers:Console</c>.</summary>
    public const string DefaultName = "Console";

    /// <summary>
    /// Registers the console writer under <paramref name="name"/>; its settings (<see cref="ConsoleWriterOptions"/>) are bound from
    /// <c>Writers:&lt;name&gt;</c> and validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureDefaults">Changes the defaults; configuration is applied afterwards and wins.</param>
    /// <param name="name">The writer's name.</param>
    public static IServiceCollection AddConsoleStatsWriter(this IServiceCollection services, Action<ConsoleWriterOptions>? configureDefaults = null, string name = DefaultName) =>
        services.AddStatsWriter<ConsoleStatsWriter, ConsoleWriterOptions>(name, static (builder, section) => builder.BindConfiguration(section), configureDefaults);
}
