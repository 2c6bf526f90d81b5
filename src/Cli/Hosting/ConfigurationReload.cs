namespace Jaqmc.Cli.Hosting;

/// <summary>
/// Turns off the host builders' watch of <c>appsettings.json</c> for changes. A <c>jaqmc</c> process reads its
/// settings once; the watch would cost it an inotify instance, of which Linux allows 128 per user by default, so a
/// machine running many processes as one user (a cluster node, a CI host, the test suite) could refuse to start one.
/// </summary>
internal static class ConfigurationReload
{
    /// <summary>The host setting, as a command-line argument that the user's own arguments after it can still override.</summary>
    public const string OffArgument = "--hostBuilder:reloadConfigOnChange=false";

    /// <summary>The arguments for a host builder: <see cref="OffArgument"/>, then <paramref name="args"/>.</summary>
    public static string[] WithReloadOff(IEnumerable<string> args) => [OffArgument, .. args];
}
