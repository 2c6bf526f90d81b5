using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;

// The extension lives in the DI namespace so that `builder.Services.AddPostgresStatsWriter` needs no extra using.
// ReSharper disable once CheckNamespace
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL writer with the statistics pipeline.</summary>
public static class PostgresStatsWriterServiceCollectionExtensions
{
    /// <summary>The writer's default name, and so its section <c>Writers:Postgres</c>.</summary>
    public const string DefaultName = "Postgres";

    /// <summary>
    /// Registers the PostgreSQL writer under <paramref name="name"/>. When <c>ConnectionStrings:Stats</c> is set
    /// (environment variable <c>JAQMC_ConnectionStrings__Stats</c>), the writer takes it as its connection string
    /// and is enabled, as it is when <c>Writers:Postgres:ConnectionString</c> is set; <c>Writers:Postgres</c> is
    /// applied afterwards and wins (so <c>Enabled=false</c> there still turns it off). Without a connection string the writer stays disabled and the service runs with its other
    /// writers.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureDefaults">Changes the defaults; configuration is applied afterwards and wins.</param>
    /// <param name="name">The writer's name.</param>
    public static IServiceCollection AddPostgresStatsWriter(this IServiceCollection services, Action<PostgresWriterOptions>? configureDefaults = null, string name = DefaultName)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configureDefaults is not null)
        {
            services.AddOptions<PostgresWriterOptions>(name).Configure(configureDefaults);
        }

        // Registered before AddStatsWriter binds Writers:<name>, so the section is applied on top of it.
        services.AddOptions<PostgresWriterOptions>(name).Configure<IConfiguration>((options, configuration) =>
        {
            var connectionString = configuration.GetConnectionString("Stats");
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                options.ConnectionString = connectionString;
                options.Enabled = true;
            }

            // A connection string given in the section itself means the same: a user who types one expects rows.
            if (!string.IsNullOrWhiteSpace(configuration[$"{StatsWriterServiceCollectionExtensions.WritersSection}:{name}:{nameof(PostgresWriterOptions.ConnectionString)}"]))
            {
                options.Enabled = true;
            }
        });
        return services.AddStatsWriter<PostgresStatsWriter, PostgresWriterOptions>(name, static (builder, section) => builder.BindConfiguration(section));
    }
}
