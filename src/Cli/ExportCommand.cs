using System.CommandLine;

namespace Jaqmc.Cli;

/// <summary>
/// <c>jaqmc export</c>: rewrites a run's statistics from HDF5 or PostgreSQL as CSV, through the CSV writer itself, so
/// the file is exactly what a run with the CSV writer would have written.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var run = new Argument<string>("run") { Description = "A run directory or .h5 file, or a run name in PostgreSQL." }.RejectingOptions();
        var to = new Option<string>("--to") { Description = "The format to write.", Required = true };
        to.AcceptOnlyFromAmong("csv");
        var stage = new Option<string?>("--stage") { Description = "Only this stage (default: every stage with statistics)." };
        var output = new Option<string>("--output", "-o") { Description = "The directory to write {stage}_stats.csv into (default: the current directory). Existing files are not overwritten.", HelpName = "dir", DefaultValueFactory = _ => "." };
        var connection = new Option<string?>("--connection", "-c") { Description = "The PostgreSQL database (default: ConnectionStrings:Stats).", HelpName = "connection-string" };
        var command = new Command("export", "Export a run's statistics from HDF5 or PostgreSQL to CSV (the CSV writer's exact format).")
        {
            run, to, stage, output, connection,
        };
        help.Examples(
            command,
            "jaqmc export runs/he --to csv -o he-csv                 every stage's HDF5 file as {stage}_stats.csv",
            "jaqmc export runs/he/train_stats.h5 --to csv -o out",
            "jaqmc export h2-lr0.05 --to csv --stage train -c 'Host=localhost;Username=jaqmc;Password=...'");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CliSettings.Build(hostArgs, null);
            await using var reference = await RunReference.ResolveAsync(parse.GetRequiredValue(run), parse.GetValue(connection), settings, cancellationToken).ConfigureAwait(false);
            var directory = Path.GetFullPath(parse.GetRequiredValue(output));
            var stages = parse.GetValue(stage) is { } one ? [one]
                : reference.File is not null ? [reference.StageOr("train")]
                : (await reference.SummariseAsync(cancellationToken).ConfigureAwait(false)).Stages.Where(s => s.LastStep is not null).Select(s => s.Name).ToList();

            foreach (var name in stages)
            {
                var export = reference.PostgresStage(name) is { } postgres
                    ? await ExportAsync(postgres, name, directory, reference.Name, cancellationToken).ConfigureAwait(false)
                    : await ExportAsync(
                        reference.Local is { } local && reference.File is null
                            ? ReadPreferringHdf5(local, name)
                            : await reference.ReadAsync(name, cancellationToken).ConfigureAwait(false),
                        directory, reference.Name, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"{export.Path}: {export.Rows} rows, {export.Keys} keys");
            }

            return 0;
        });
        return command;
    }

    // A local run usually has both files; the HDF5 one is the source worth exporting (the CSV one already exists).
    private static StatsTable ReadPreferringHdf5(LocalRun run, string stage) =>
        run.Stages.TryGetValue(stage, out var s) && s.Hdf5Path is not null
            ? LocalRun.ReadHdf5(s.Hdf5Path, stage)
            : throw new CliException($"{run.Directory} has no HDF5 statistics for stage '{stage}'");

    // Streams: a window of steps at a time from the server, so memory stays flat however long the stage.
    private static async Task<(string Path, long Rows, int Keys)> ExportAsync(PostgresStageReader stage, string name, string directory, string runName, CancellationToken cancellationToken)
    {
        var keys = await stage.KeysAsync(cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            throw new CliException($"PostgreSQL has no statistics for run '{runName}', stage '{name}'");
        }

        await using var export = await CsvExportWriter.OpenAsync(directory, name, runName, [.. keys.Select(k => k.Name)], cancellationToken).ConfigureAwait(false);
        await stage.ForEachStepAsync(keys, (step, values) => export.WriteStepAsync(step, values, cancellationToken), cancellationToken).ConfigureAwait(false);
        await export.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return (export.Path, export.Rows, keys.Count);
    }

    private static async Task<(string Path, long Rows, int Keys)> ExportAsync(StatsTable table, string directory, string runName, CancellationToken cancellationToken)
    {
        var keys = table.Keys.ToArray();
        var columns = keys.Select(k => table.Columns[k]).ToArray();
        await using var export = await CsvExportWriter.OpenAsync(directory, table.Stage, runName, keys, cancellationToken).ConfigureAwait(false);
        for (var row = 0; row < table.Count; row++)
        {
            await export.WriteStepAsync(table.Steps[row], [.. columns.Select(c => c[row])], cancellationToken).ConfigureAwait(false);
        }

        await export.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return (export.Path, export.Rows, keys.Length);
    }
}
