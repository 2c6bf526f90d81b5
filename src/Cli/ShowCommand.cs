using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Jaqmc.Cli;

/// <summary><c>jaqmc show</c>: one run's configuration, last values, evaluation energy, files and checkpoints.</summary>
internal static class ShowCommand
{
    private static readonly string[] ShownSections = ["Training", "Evaluation"];

    public static Command Create(IReadOnlyList<string> hostArgs, CliHelp help)
    {
        var run = new Argument<string>("run") { Description = "A run directory, or a run name in PostgreSQL." }.RejectingOptions();
        var connection = new Option<string?>("--connection", "-c") { Description = "The PostgreSQL database (default: ConnectionStrings:Stats).", HelpName = "connection-string" };
        var command = new Command("show", "Show a run: the configuration it was trained with, the last value of each key, the evaluation energy with its standard error, files and checkpoints.")
        {
            run, connection,
        };
        help.Examples(
            command,
            "jaqmc show runs/he",
            "jaqmc show h2-lr0.05 --connection 'Host=localhost;Username=jaqmc;Password=...'");

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CliSettings.Build(hostArgs, null);
            await using var reference = await RunReference.ResolveAsync(parse.GetRequiredValue(run), parse.GetValue(connection), settings, cancellationToken).ConfigureAwait(false);
            var summary = await reference.SummariseAsync(cancellationToken).ConfigureAwait(false);

            AnsiConsole.MarkupLine($"[bold]Run[/] {Markup.Escape(summary.Name)} ({summary.Source}, {Markup.Escape(summary.Status)}, updated {summary.Updated.ToLocalTime():yyyy-MM-dd HH:mm:ss})");
            if (reference.Local is { } localRun && RunSpool.Describe(localRun.Directory, settings) is { } spooled)
            {
                AnsiConsole.MarkupLine($"[bold]Spool[/] [yellow]{Markup.Escape(spooled)}[/]");
            }

            AnsiConsole.WriteLine();
            await WriteConfigurationAsync(reference, cancellationToken).ConfigureAwait(false);

            foreach (var stage in summary.Stages)
            {
                if (await reference.OverviewAsync(stage.Name, cancellationToken).ConfigureAwait(false) is not { } overview)
                {
                    continue;
                }

                WriteLastValues(overview);
                if (stage.Name == "evaluation" && overview.Latest.Any(l => l.Key == "total_energy"))
                {
                    var energy = EvaluationEnergy.Of(await reference.ValuesAsync(stage.Name, "total_energy", cancellationToken).ConfigureAwait(false))
                                 ?? new EvaluationEnergy(double.NaN, double.NaN, 0);
                    AnsiConsole.MarkupLine(Invariant($"[bold]Evaluation energy:[/] {energy.Mean:F6} ± {energy.Error:F6} Ha ({energy.Steps} steps, blocking analysis)"));
                    AnsiConsole.WriteLine();
                }
            }

            if (reference.Local is { } local)
            {
                AnsiConsole.MarkupLine("[bold]Files[/]");
                foreach (var file in local.Files.Where(File.Exists))
                {
                    AnsiConsole.WriteLine(Invariant($"  {Path.GetFileName(file),-28} {new FileInfo(file).Length,12:N0} bytes"));
                }

                AnsiConsole.WriteLine();
                AnsiConsole.MarkupLine("[bold]Checkpoints[/]");
                foreach (var stage in local.OrderedStages.Where(s => s.Checkpoints.Count > 0))
                {
                    AnsiConsole.WriteLine($"  {stage.Name}: steps {string.Join(", ", stage.Checkpoints.Select(c => c.Step))}");
                }
            }

            return 0;
        });
        return command;
    }

    private static async Task WriteConfigurationAsync(RunReference reference, CancellationToken cancellationToken)
    {
        var directory = reference.Local?.Directory ?? (reference.File is { } file ? Path.GetDirectoryName(file) : null);
        var (json, source) = directory is not null
            ? (await RunSettingsFile.TryReadAsync(directory, cancellationToken).ConfigureAwait(false), RunSettingsFile.PathIn(directory))
            : (reference.RecordedConfiguration, "PostgreSQL");

        IReadOnlyList<(string Key, string Value)>? settings = null;
        string? problem = null;
        if (json is null)
        {
            // Never the settings this command sees: they need not be the run's.
            problem = directory is not null
                ? $"not recorded: {source} is missing (runs made before the program wrote it have none)"
                : "not recorded in PostgreSQL";
        }
        else
        {
            try
            {
                settings = RunSettingsFile.Flatten(json, ShownSections);
            }
            catch (JsonException e)
            {
                problem = $"{source} cannot be read ({e.Message})";
            }
        }

        if (settings is null)
        {
            AnsiConsole.MarkupLine($"[bold]Configuration[/] {Markup.Escape(problem!)}");
        }
        else
        {
            AnsiConsole.MarkupLine($"[bold]Configuration[/] (recorded in {Markup.Escape(source)} when the run last started a stage)");
            foreach (var (key, value) in settings)
            {
                AnsiConsole.WriteLine($"  {key} = {value}");
            }
        }

        // The checkpoint knows the system and walkers even of a run that recorded nothing else.
        if (reference.Local?.CheckpointSettings() is { } checkpoint)
        {
            AnsiConsole.WriteLine(Invariant($"  from the newest checkpoint: system {checkpoint.System}, {checkpoint.Walkers} walkers"));
        }

        AnsiConsole.WriteLine();
    }

    private static void WriteLastValues(StageOverview stage)
    {
        var grid = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(stage.Stage)}[/]: {Markup.Escape(stage.Extent)}")
            .AddColumns("key", "last value", "at step");
        foreach (var last in stage.Latest)
        {
            grid.AddRow(Markup.Escape(last.Key), last.Value.ToString("G10", CultureInfo.InvariantCulture), last.Step.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(grid);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
