using System.CommandLine;
using Jaqmc.Cli.Hosting;
using Microsoft.Extensions.Hosting;

namespace Jaqmc.Cli.Dashboard;

/// <summary><c>jaqmc dashboard</c>: a live page in the browser over the runs of a directory tree and/or PostgreSQL (docs/dashboard.md).</summary>
internal static class DashboardCommand
{
    public const string Name = "dashboard";

    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var directory = new Argument<string?>("dir") { Description = "The directory tree of runs to show (default: ./runs when it exists, else . unless a database is given).", Arity = ArgumentArity.ZeroOrOne }.RejectingOptions();
        var connection = new Option<string?>("--connection", "-c") { Description = "Also show the runs in this PostgreSQL database (default: ConnectionStrings:Stats, when set). Use a read-only role.", HelpName = "connection-string" };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, ';'-separated (default: Dashboard:Urls, http://127.0.0.1:5080). A non-loopback address needs a token; one is generated when none is set.", HelpName = "URLS" };
        var token = new Option<string?>("--token") { Description = "Require this token (default: Dashboard:Token, JAQMC_Dashboard__Token).", HelpName = "TOKEN" };
        var command = new Command(Name, "A live dashboard in the browser: the runs, their curves overlaid and zoomable, updating as they train.")
        {
            directory, connection, urls, token,
        };
        help.Examples(
            command,
            "jaqmc dashboard runs",
            "jaqmc dashboard -c 'Host=localhost;Username=jaqmc_reader;Password=...'",
            "jaqmc dashboard runs --urls http://0.0.0.0:5080        # prints a generated token once");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new List<KeyValuePair<string, string?>>();
            if (parse.GetValue(urls) is { } u)
            {
                overrides.Add(new($"{DashboardOptions.Section}:Urls", u));
            }

            if (parse.GetValue(token) is { } t)
            {
                overrides.Add(new($"{DashboardOptions.Section}:Token", t));
            }

            await using var app = await DashboardHost.StartAsync(hostArgs, null, overrides, parse.GetValue(directory), parse.GetValue(connection), quiet: false, Console.Out, cancellationToken).ConfigureAwait(false);
            await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
