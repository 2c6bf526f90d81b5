using System.CommandLine.Invocation;
using System.CommandLine;
using Jaqmc.Cli.Hosting;
using Jaqmc.Service.Hosting;

namespace Jaqmc.Cli;

/// <summary>
/// The <c>jaqmc</c> command line: <c>train</c> (the default), <c>runs</c>, <c>show</c>, <c>plot</c> and
/// <c>export</c>, <c>serve</c> and <c>dashboard</c>. Problems are one line on stderr (a stack trace only with <c>--verbose</c>); exit codes are
/// those of <see cref="ExitCodes"/>, with 2 for a bad verb or option.
/// </summary>
internal static class JaqmcCli
{
    private static readonly string[] RootOnlyTokens = ["-h", "-?", "--help", "/?", "/h", "--version"];

    /// <summary>Parses <paramref name="args"/> and runs the chosen verb.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var (tokens, hostArgs) = HostArguments.Split(args);

        // No verb means train, so `jaqmc` and `jaqmc --Training:System=He` keep doing what they always did.
        if (tokens.Count == 0 || (tokens[0].StartsWith('-') && !RootOnlyTokens.Contains(tokens[0])))
        {
            tokens.Insert(0, TrainCommand.Name);
        }

        var verbose = new Option<bool>("--verbose") { Description = "Print errors with their stack traces (otherwise each error is one line).", Recursive = true };
        var help = new CliHelp();
        var root = new RootCommand("Jaqmc.NET: variational Monte Carlo training with statistics to the console, CSV, HDF5 and PostgreSQL.")
        {
            TrainCommand.Create(hostArgs, help, verbose),
            RunsCommand.Create(hostArgs, help),
            ShowCommand.Create(hostArgs, help),
            PlotCommand.Create(hostArgs, help),
            ExportCommand.Create(hostArgs, help),
            Serve.ServeCommand.Create(hostArgs, help),
            SyncCommand.Create(hostArgs, help),
            Dashboard.DashboardCommand.Create(hostArgs, help),
        };
        root.Options.Add(verbose);
        help.Examples(
            root,
            "jaqmc                                      train with appsettings.json (runs/default)",
            "jaqmc train --system He -w runs/he         train helium into runs/he",
            "jaqmc runs                                 list the runs under ./runs",
            "jaqmc show runs/he                         a run's settings, last values and evaluation energy",
            "jaqmc plot runs/he -o energy.png           plot the training energy",
            "jaqmc export runs/he --to csv -o out       rewrite the HDF5 statistics as CSV",
            "jaqmc serve --root /data/jaqmc             record runs sent by other processes (docs/remote.md)",
            "jaqmc sync runs/he                         upload what the run spooled while the database was away",
            "Exit codes: 0 done, 1 error, 2 invalid arguments or configuration, 3 a writer failed, 4 training failed.");
        help.Install(root);

        var parse = root.Parse(tokens);
        if (parse.Action is ParseErrorAction)
        {
            var verb = parse.CommandResult.Command is RootCommand ? string.Empty : parse.CommandResult.Command.Name + " ";
            // "Unrecognized command or argument 'x'" says more than the "Required command was not provided" it comes with.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            var message = string.Join(' ', error.Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
            await Console.Error.WriteLineAsync($"jaqmc: {message} (see 'jaqmc {verb}--help')").ConfigureAwait(false);
            return ExitCodes.Configuration;
        }

        var invocation = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,

            // The host handles Ctrl+C/SIGTERM itself (stop at a step boundary, drain, checkpoint); System.CommandLine
            // would otherwise kill the process after its own short timeout.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            await WriteErrorAsync(e, parse.GetValue(verbose)).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await WriteErrorAsync(e, parse.GetValue(verbose)).ConfigureAwait(false);
            return ExitCodes.Error;
        }
    }

    private static async Task WriteErrorAsync(Exception e, bool verbose)
    {
        // One line: newlines inside a message (Npgsql, HDF5) would look like several errors.
        var message = e.Message.ReplaceLineEndings(" ").Trim();
        // A settings problem reads as train's do ("jaqmc: configuration error: ..."), whichever verb found it.
        var prefix = message.StartsWith("configuration error: ", StringComparison.Ordinal) ? "jaqmc: " : "jaqmc: error: ";
        await Console.Error.WriteLineAsync(prefix + message).ConfigureAwait(false);
        if (verbose)
        {
            await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
        }
    }
}
