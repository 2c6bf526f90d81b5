using Jaqmc.Cli.Hosting;
using Jaqmc.Service.Hosting;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Cli;

/// <summary>
/// The configuration the reading verbs (runs, show, plot, export) see: the same layers as the training host
/// (appsettings.json, <c>--config</c>, <c>JAQMC_</c> variables, <c>--Section:Key=value</c>), so the connection
/// string and working directory a user configured once apply to every verb.
/// </summary>
internal static class CliSettings
{
    /// <summary>Builds the configuration from the host overrides of the command line.</summary>
    public static IConfiguration Build(IReadOnlyList<string> hostArgs, string? configFile)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is { Length: > 0 })
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        return builder
            .AddEnvironmentVariables(JaqmcHost.EnvironmentPrefix)
            .AddCommandLine(hostArgs.ToArray())
            .Build();
    }
}
