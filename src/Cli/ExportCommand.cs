using System.CommandLine;
using Jaqmc.Sinks.Csv;
using Jaqmc.Sinks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jaqmc.Cli;

/// <summary>
/// <c>jaqmc export</c>: rewrites a run's statistics from HDF5 or PostgreSQL as CSV, through the CSV writer itself, so
/// the file is exactly what a run with the CSV writer would have written.
/// </summary>
internal static class ExportCommand
{
    private const int BatchSize = 4096;

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
                var table = reference.Local is { } local && reference.File is null
                    ? ReadPreferringHdf5(local, name)
                    : await reference.ReadAsync(name, cancellationToken).ConfigureAwait(false);
                var path = await WriteAsync(table, directory, reference.Name, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"{path}: {table.Count} rows, {table.Columns.Count} keys");
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

    private static async Task<string> WriteAsync(StatsTable table, string directory, string runName, CancellationToken cancellationToken)
    {
        var options = new CsvWriterOptions();
        var target = StagePath.Resolve(options.PathTemplate, directory, table.Stage);
        if (File.Exists(target))
        {
            throw new CliException($"{target} already exists; choose another directory with -o");
        }

        await using var writer = new CsvStatsWriter(options, NullLogger<CsvStatsWriter>.Instance);
        await writer.OpenAsync(new WriterContext(directory, table.Stage, 0, runName), cancellationToken).ConfigureAwait(false);
        var keys = table.Keys.ToArray();
        var columns = keys.Select(k => table.Columns[k]).ToArray();

        // A key is absent from the rows before its first value (HDF5 and PostgreSQL read NaN there), so the CSV
        // writer widens its header where the key really appeared; after that a NaN is a real NaN.
        var seen = new bool[keys.Length];
        StatsKeys? layout = null;
        var present = new List<int>(keys.Length);
        var batch = new List<StatsRecord>(BatchSize);
        for (var row = 0; row < table.Count; row++)
        {
            present.Clear();
            for (var k = 0; k < keys.Length; k++)
            {
                seen[k] |= !double.IsNaN(columns[k][row]);
                if (seen[k])
                {
                    present.Add(k);
                }
            }

            if (layout is null || layout.Count != present.Count)
            {
                layout = new StatsKeys(present.Select(k => keys[k]));
            }

            batch.Add(new StatsRecord(table.Stage, table.Steps[row], layout, present.Select(k => columns[k][row]).ToArray()));
            if (batch.Count == BatchSize)
            {
                await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                batch = new List<StatsRecord>(BatchSize);
            }
        }

        if (batch.Count > 0)
        {
            await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        await writer.CloseAsync(StageOutcome.Completed, cancellationToken).ConfigureAwait(false);
        return target;
    }
}
