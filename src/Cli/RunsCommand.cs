using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Jaqmc.Cli;

/// <summary><c>jaqmc runs</c>: the runs in a directory tree and/or in PostgreSQL.</summary>
internal static class RunsCommand
{
    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var directory = new Argument<string?>("dir") { Description = "The directory tree to search (default: ./runs, when it exists).", Arity = ArgumentArity.ZeroOrOne }.RejectingOptions();
        var json = new Option<bool>("--json") { Description = "Print JSON (an array of runs) for scripts." };
        var connection = new Option<string?>("--connection", "-c") { Description = "Also list the runs in this PostgreSQL database (default: ConnectionStrings:Stats, when set).", HelpName = "connection-string" };
        var server = new Option<string?>("--server") { Description = "Also list the streams open on this jaqmc serve (token: JAQMC_Serve__Token).", HelpName = "URL" };
        var command = new Command("runs", "List runs: directories holding *_stats.csv|h5 or *_ckpt_* files, runs recorded in PostgreSQL, and runs a jaqmc serve is receiving.")
        {
            directory, json, connection, server,
        };
        help.Examples(
            command,
            "jaqmc runs",
            "jaqmc runs /data/jaqmc --json | jq '.[] | select(.status == \"completed\") | .name'",
            "jaqmc runs --connection 'Host=localhost;Username=jaqmc;Password=...'",
            "jaqmc runs --server http://127.0.0.1:5170");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CliSettings.Build(hostArgs, null);
            var dir = parse.GetValue(directory);
            var runs = new List<(RunSummary Run, string? Path)>();
            await using var store = PostgresRunStore.TryCreate(parse.GetValue(connection), settings);
            var remote = parse.GetValue(server) is { } url
                ? Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : throw new CliException($"--server must be an http:// or https:// address (got '{url}')", Hosting.ExitCodes.Configuration)
                : null;
            if (dir is not null || Directory.Exists("runs") || (store is null && remote is null))
            {
                var root = dir ?? (Directory.Exists("runs") ? "runs" : ".");
                foreach (var run in LocalRun.Find(root))
                {
                    var name = Path.GetRelativePath(Path.GetFullPath(root), run.Directory);
                    runs.Add((await run.SummariseAsync(name == "." ? Path.GetFileName(run.Directory) : name, cancellationToken).ConfigureAwait(false), run.Directory));
                }
            }

            if (store is not null)
            {
                runs.AddRange((await store.ListAsync(cancellationToken).ConfigureAwait(false)).Select(r => (r, (string?)null)));
            }

            if (remote is not null)
            {
                runs.AddRange((await Serve.RemoteRunStore.ListAsync(remote, settings["Serve:Token"], cancellationToken).ConfigureAwait(false)).Select(r => (r, (string?)null)));
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs.Select(r => ToJson(r.Run, r.Path, Spooled(r.Path, settings))).ToList(), RunsJsonContext.Default.ListRunsJson));
                return 0;
            }

            if (runs.Count == 0)
            {
                Console.WriteLine("No runs found.");
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumns("run", "source", "stages (last step)", "last energy", "status", "updated");
            foreach (var (run, path) in runs)
            {
                var spooled = Spooled(path, settings);
                table.AddRow(
                    Markup.Escape(run.Name),
                    run.Source,
                    Markup.Escape(string.Join(", ", run.Stages.Select(s => s.LastStep is { } step ? FormattableString.Invariant($"{s.Name} ({step})") : s.Name))),
                    run.LastEnergy is { } e ? e.ToString("F6", CultureInfo.InvariantCulture) : "–",
                    StatusMarkup(run.Status) + SpooledMarkup(spooled),
                    run.Updated.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static string StatusMarkup(string status) => status switch
    {
        "completed" => "[green]completed[/]",
        "failed" => "[red]failed[/]",
        "running" => "[blue]running[/]",
        _ => $"[yellow]{Markup.Escape(status)}[/]",
    };

    // What a local run's PostgreSQL spool holds, not yet uploaded ('jaqmc sync' uploads it).
    private static (long Records, long StageChanges) Spooled(string? path, Microsoft.Extensions.Configuration.IConfiguration settings)
    {
        if (path is null)
        {
            return (0, 0);
        }

        var backlog = RunSpool.Read(path, settings);
        return (backlog.Records, backlog.StageChanges);
    }

    // A status still in the spool is not the run's status yet: say so next to the one the database holds.
    private static string SpooledMarkup((long Records, long StageChanges) spooled) => spooled switch
    {
        { Records: > 0 } => FormattableString.Invariant($" [yellow](+{spooled.Records:N0} spooled)[/]"),
        { StageChanges: > 0 } => " [yellow](newer status spooled)[/]",
        _ => string.Empty,
    };

    private static RunsJson ToJson(RunSummary run, string? path, (long Records, long StageChanges) spooled) => new(
        run.Name,
        run.Source,
        path,
        run.Status,
        run.Updated,
        Finite(run.LastEnergy),
        spooled.Records,
        spooled.StageChanges,
        [.. run.Stages.Select(s => new RunsJson.Stage(s.Name, s.Status, s.LastStep, Finite(s.LastEnergy), s.Checkpoints))]);

    // JSON has no NaN: a NaN energy (a failed run) is written as null.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
