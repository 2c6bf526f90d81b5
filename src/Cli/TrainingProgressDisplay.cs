using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console.Rendering;
using Spectre.Console;

namespace Jaqmc.Cli;

/// <summary>
/// The live display of <c>jaqmc train</c> on an interactive terminal: stage, step/total with a bar, steps/s, ETA,
/// energy (latest and recent mean ± error), pmove, and the service's recent log lines.
/// </summary>
internal sealed class TrainingProgressDisplay(ProgressTracker tracker, DisplayLog log, string title)
{
    private const int BarWidth = 30;
    private const int LogLinesShown = 6;
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Shows the display until <paramref name="run"/> completes, then prints the kept log lines; returns its result.
    /// The display starts with the first report, so a configuration error is printed plainly before it.
    /// </summary>
    public async Task<int> ShowWhileAsync(Task<int> run, CancellationToken cancellationToken)
    {
        while (tracker.Reports == 0 && !run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(Refresh, cancellationToken)).ConfigureAwait(false);
        }

        if (!run.IsCompleted)
        {
            await AnsiConsole.Live(Render(LogLinesShown))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Visible)
                .StartAsync(async context =>
                {
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(Refresh, CancellationToken.None)).ConfigureAwait(false);
                        // The last frame stays on screen with every kept line, so nothing is printed after it.
                        context.UpdateTarget(Render(LogLinesShown));
                    }

                    context.UpdateTarget(Render(int.MaxValue));
                })
                .ConfigureAwait(false);
        }
        else
        {
            // Stopped before the first report (for example a configuration error): print what was logged.
            foreach (var line in log.Lines)
            {
                AnsiConsole.MarkupLine(Format(line));
            }
        }

        return await run.ConfigureAwait(false);
    }

    private static string Format((LogLevel Level, string Text) line)
    {
        var color = line.Level >= LogLevel.Error ? "red" : line.Level == LogLevel.Warning ? "yellow" : "grey";
        return $"[{color}]{Markup.Escape(line.Text)}[/]";
    }

    private IRenderable Render(int logLines = LogLinesShown)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders()
            .Title($"[bold]jaqmc train[/] {Markup.Escape(title)}")
            .AddColumn(new TableColumn("what").NoWrap())
            .AddColumn(new TableColumn("value"));
        if (tracker.Snapshot() is not { } s)
        {
            table.AddRow("status", "starting...");
            return table;
        }

        var p = s.Latest;
        var done = Math.Clamp((p.Step + 1) / (double)Math.Max(1, p.TotalSteps), 0, 1);
        var filled = (int)Math.Round(done * BarWidth);
        var bar = $"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/]";
        table.AddRow("stage", $"[bold]{Markup.Escape(p.Stage)}[/]");
        table.AddRow("step", Invariant($"{p.Step + 1:N0} / {p.TotalSteps:N0}  {bar} {done:P0}"));
        table.AddRow("speed", s.StepsPerSecond is { } rate ? Invariant($"{rate:F1} steps/s") : "–");
        table.AddRow("ETA", s.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "–");
        var mean = double.IsNaN(s.EnergyError)
            ? string.Empty
            : Invariant($"   (mean of last {s.EnergyCount} shown: {s.MeanEnergy:F5} ± {s.EnergyError:F5})");
        table.AddRow("energy", Invariant($"[bold]{p.Energy:F5}[/] Ha{mean}"));
        table.AddRow("pmove", Invariant($"{p.Pmove:F3}"));

        var lines = log.Lines;
        var recent = lines.Skip(Math.Max(0, lines.Count - logLines))
            .Select(l => new Markup(Format(l)))
            .ToList<IRenderable>();
        return recent.Count == 0 ? table : new Rows([table, .. recent]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
