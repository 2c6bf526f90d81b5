using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Jaqmc.Cli.Hosting;
using Jaqmc.Service;
using Jaqmc.Sinks.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Jaqmc.Cli;

/// <summary>
/// <c>jaqmc sync</c>: uploads what a run left in its spool (a run on a node without database access, or one stopped
/// during an outage) without training, with progress, and exits once the spool is empty.
/// </summary>
internal static class SyncCommand
{
    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var directory = new Argument<string?>("run") { Description = "The run directory (default: Run:WorkingDirectory).", Arity = ArgumentArity.ZeroOrOne }.RejectingOptions();
        var connection = new Option<string?>("--connection", "-c") { Description = "The PostgreSQL database (default: ConnectionStrings:Stats).", HelpName = "connection-string" };
        var command = new Command("sync", "Upload a run's spool to PostgreSQL without training: what a run recorded while the database was unreachable.")
        {
            directory, connection,
        };
        help.Examples(
            command,
            "jaqmc sync runs/he",
            "jaqmc sync runs/he --connection 'Host=db;Username=jaqmc;Password=...'");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = hostArgs.ToList();
            if (parse.GetValue(directory) is { Length: > 0 } dir)
            {
                args.Add("--Run:WorkingDirectory=" + dir);
            }

            if (parse.GetValue(connection) is { Length: > 0 } c)
            {
                args.Add($"--{PostgresWriterOptions.ConnectionStringKey}={c}");
            }

            return await SyncAsync(args.ToArray(), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> SyncAsync(string[] args, CancellationToken cancellationToken)
    {
        // The program's own host, built but not started: the same settings, writers and logging as a training run.
        using var host = JaqmcHost.CreateBuilder(args).Build();
        var settings = host.Services.GetRequiredService<IConfiguration>();
        var run = Path.GetFullPath(settings["Run:WorkingDirectory"] is { Length: > 0 } w ? w : new Jaqmc.Service.RunOptions().WorkingDirectory);
        if (!Directory.Exists(run))
        {
            throw new CliException($"no run directory {run}");
        }

        PostgresWriterOptions postgres;
        try
        {
            postgres = host.Services.GetRequiredService<IOptionsMonitor<PostgresWriterOptions>>().Get(PostgresStatsWriterServiceCollectionExtensions.DefaultName);
        }
        catch (OptionsValidationException e)
        {
            // The host is built, not started: its settings are checked here, and read as train's are.
            throw new CliException("configuration error: " + string.Join("; ", e.Failures), ExitCodes.Configuration);
        }

        var spoolDirectory = postgres.Spool.ResolveDirectory(run, PostgresStatsWriterServiceCollectionExtensions.DefaultName);
        var backlog = SpoolBacklog.Read(spoolDirectory);
        var pending = backlog.Records;
        if (backlog.IsEmpty)
        {
            Console.WriteLine($"Nothing to upload: {spoolDirectory} holds no spooled records.");
            return 0;
        }

        if (!postgres.Enabled)
        {
            throw new CliException($"{backlog.Describe()} wait in {spoolDirectory}, but no database is configured: set {PostgresWriterOptions.ConnectionStringKey} or pass --connection", ExitCodes.Configuration);
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine(Invariant($"Uploading {backlog.Describe()} from {spoolDirectory}"));
        var progress = new Progress<long>(uploaded => Console.WriteLine(Invariant(
            $"  {uploaded:N0} of {pending:N0} uploaded ({uploaded / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N0} records/s)")));
        var (total, left, leftStageChanges, fault) = await host.Services.GetRequiredService<IStatsSpoolSync>().SyncAsync(run, progress, cancellationToken).ConfigureAwait(false);
        if (fault is not null)
        {
            throw new CliException(Invariant($"the upload stopped: {fault.Message} ({left:N0} record(s) and {leftStageChanges:N0} stage open/close frame(s) stay in {spoolDirectory})"), ExitCodes.WriterFailed, fault);
        }

        if (left > 0 || leftStageChanges > 0)
        {
            Console.WriteLine(Invariant($"Stopped: {left:N0} record(s) and {leftStageChanges:N0} stage open/close frame(s) stay in {spoolDirectory}; run 'jaqmc sync {run}' again to upload them."));
            return 0;
        }

        Console.WriteLine(Invariant($"Uploaded {total:N0} record(s) in {clock.Elapsed.TotalSeconds:F1} s; the spool is empty."));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
