using Jaqmc.Sinks.Hdf5;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli.Hosting;

/// <summary>
/// <c>Writers:Hdf5:Enabled</c> is <c>true</c>, <c>false</c> or <c>auto</c> (appsettings.json's value, and what no
/// value means): <c>auto</c> turns the HDF5 writer on when the HDF5 C library loads, and off with one warning at
/// start when it does not, so a machine without libhdf5 still trains and writes every other file. An explicit
/// <c>true</c> without the library is a configuration error at start. The library can be pointed at with
/// <see cref="Hdf5LibraryAvailability.LibraryVariable"/>.
/// </summary>
internal static class Hdf5WriterSwitch
{
    /// <summary>The setting.</summary>
    public const string EnabledKey = StatsWriterServiceCollectionExtensions.WritersSection + ":" + Hdf5StatsWriterServiceCollectionExtensions.DefaultName + ":Enabled";

    /// <summary>The value that turns the writer on exactly when the library loads.</summary>
    public const string Auto = "auto";

    /// <summary>
    /// Resolves <c>auto</c> into <c>true</c> or <c>false</c> in <paramref name="builder"/>'s configuration (so the
    /// recorded configuration says what ran) and registers the start-time warning or check.
    /// </summary>
    /// <exception cref="OptionsValidationException">The value is neither true, false nor auto.</exception>
    public static void Apply(HostApplicationBuilder builder)
    {
        var value = builder.Configuration[EnabledKey]?.Trim();
        if (string.IsNullOrEmpty(value) || string.Equals(value, Auto, StringComparison.OrdinalIgnoreCase))
        {
            var problem = Hdf5LibraryAvailability.Problem();
            builder.Configuration.AddInMemoryCollection([new(EnabledKey, problem is null ? "true" : "false")]);
            if (problem is not null)
            {
                builder.Services.AddHostedService(sp => new Hdf5OffNotice(problem, sp.GetRequiredService<ILoggerFactory>()));
            }

            return;
        }

        if (!bool.TryParse(value, out _))
        {
            throw new OptionsValidationException(
                EnabledKey,
                typeof(Hdf5WriterOptions),
                [$"{EnabledKey} must be true, false or {Auto} (got '{value}')"]);
        }

        builder.Services.AddSingleton<IValidateOptions<Hdf5WriterOptions>, Hdf5LibraryValidator>();
    }
}
