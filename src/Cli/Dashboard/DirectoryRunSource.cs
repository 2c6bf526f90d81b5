using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The runs in a directory tree: every directory holding <c>{stage}_stats.csv|h5</c> or checkpoints, as
/// <c>jaqmc runs DIR</c> lists them. Files are read through <see cref="StageColumnsCache"/> (a CSV file by the columns asked
/// for, and after the first read by the bytes appended) and bucketed in memory on <c>curve()</c>'s grid. A run whose files changed within <see cref="RunningWindow"/> and
/// that is not complete shows as <c>running</c>, since files record no status. A run's PostgreSQL spool backlog
/// comes from <see cref="SpoolBacklogCache"/>, its resume markers from <see cref="StageStartsFile"/>.
/// </summary>
internal sealed class DirectoryRunSource(string root, StageColumnsCache cache, SpoolBacklogCache spools, TimeProvider clock) : IRunSource
{
    /// <summary>How recently a run's files must have changed for it to show as running.</summary>
    public static readonly TimeSpan RunningWindow = TimeSpan.FromSeconds(10);

    private readonly string _root = Path.GetFullPath(root);
    private static readonly string[] EnergyKey = ["total_energy"];

    // The evaluation estimate reads the whole stage: once per (run directory, column read, row count), not per poll.
    // The readers append to a column's array in place and start a new one when a file is cut back, so the same array
    // and count are the same values, and a file rewritten to the same length is not taken for the one before.
    private readonly ConcurrentDictionary<string, (double[]? Column, int Rows, EvaluationEnergy? Energy)> _evaluations = new(StringComparer.Ordinal);

    public string Prefix => "dir";

    public string Name => "dir";

    /// <summary>The root directory (full path).</summary>
    public string Root => _root;

    public async Task<IReadOnlyList<DashboardRun>> ListAsync(CancellationToken cancellationToken)
    {
        var runs = new List<DashboardRun>();
        foreach (var run in LocalRun.Find(_root))
        {
            try
            {
                runs.Add(await SummariseAsync(run, cancellationToken).ConfigureAwait(false));
            }
            catch (CliException)
            {
                // A file torn or replaced under us: the run shows again at the next poll.
            }
        }

        return [.. runs.OrderByDescending(r => r.Updated)];
    }

    public async Task<RunDetail?> DetailAsync(string name, CancellationToken cancellationToken)
    {
        if (Open(name) is not { } run)
        {
            return null;
        }

        var row = await SummariseAsync(run, cancellationToken).ConfigureAwait(false);
        JsonNode? config = null;
        if (await RunSettingsFile.TryReadAsync(run.Directory, cancellationToken).ConfigureAwait(false) is { } json)
        {
            try
            {
                config = JsonNode.Parse(json);
            }
            catch (JsonException)
            {
                config = JsonValue.Create(json);
            }
        }

        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var stage in run.OrderedStages.Where(s => s.HasStats))
        {
            keys[stage.Name] = (await cache.ReadAsync(run, stage.Name, [], cancellationToken).ConfigureAwait(false)).Keys.Order(StringComparer.Ordinal).ToList();
        }

        var files = run.Files.Where(File.Exists).Select(f => new RunFile(Path.GetFileName(f), new FileInfo(f).Length)).ToList();
        return new RunDetail(row, config, keys, run.CheckpointSettings()?.Walkers, files);
    }

    public async Task<CurveBuckets?> CurveAsync(string name, CurveQuery query, CancellationToken cancellationToken)
    {
        if (Open(name) is not { } run || !run.Stages.TryGetValue(query.Stage, out var stage) || !stage.HasStats)
        {
            return null;
        }

        var table = await cache.ReadAsync(run, query.Stage, [query.Key], cancellationToken).ConfigureAwait(false);
        if (!table.Columns.TryGetValue(query.Key, out var values))
        {
            return null;
        }

        return query is { Since: { } since, Width: { } width }
            ? CurveBuckets.Tail(table.Steps.Span, values.Span, since, width, query.Points)
            : CurveBuckets.Of(table.Steps.Span, values.Span, query.From, query.To, query.Points) is { Length: > 0 } curve ? curve : null;
    }

    // Only directories at or below the root: a name with ".." or an absolute path names nothing.
    private LocalRun? Open(string name)
    {
        var full = Path.GetFullPath(Path.Combine(_root, name));
        var inside = full == _root || full.StartsWith(_root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return inside && Directory.Exists(full) ? LocalRun.TryOpen(full) : null;
    }

    private async Task<DashboardRun> SummariseAsync(LocalRun run, CancellationToken cancellationToken)
    {
        var relative = Path.GetRelativePath(_root, run.Directory);
        // Each stage is read once per summary: the summary's last step and energy, and below its first step and
        // evaluation energy, all come from the same read.
        var read = new Dictionary<string, StageColumns>(StringComparer.Ordinal);
        var summary = await run.SummariseAsync(relative, cancellationToken, async (stage, ct) =>
        {
            var columns = read[stage] = await cache.ReadAsync(run, stage, EnergyKey, ct).ConfigureAwait(false);
            return columns.Summary(stage);
        }).ConfigureAwait(false);
        var stages = new List<DashboardStage>();
        var starts = StageStartsFile.Read(run.Directory);
        EvaluationEnergy? evaluation = null;
        foreach (var stage in summary.Stages)
        {
            long? first = null;
            if (read.TryGetValue(stage.Name, out var table))
            {
                first = table.Count > 0 ? table.Steps.Span[0] : null;
                if (stage.Name == PostgresRunSource.Evaluation && table.Columns.TryGetValue("total_energy", out var energies))
                {
                    var column = MemoryMarshal.TryGetArray(energies, out var segment) ? segment.Array : null;
                    if (!_evaluations.TryGetValue(run.Directory, out var known) || known.Rows != table.Count || known.Column != column || column is null)
                    {
                        known = (column, table.Count, EvaluationEnergy.Of(energies.ToArray()));
                        _evaluations[run.Directory] = known;
                    }

                    evaluation = known.Energy;
                }
            }

            // Every restart: each beginning past the stage's first step (its first beginning is no restart).
            var resumes = starts.TryGetValue(stage.Name, out var begun) ? begun.Where(s => s > (first ?? 0)).Distinct().ToList() : [];
            stages.Add(new DashboardStage(stage.Name, stage.Status, first, stage.LastStep, resumes, stage.Checkpoints));
        }

        var updated = run.Updated;
        var status = summary.Status != "completed" && clock.GetUtcNow() - updated < RunningWindow ? "running" : summary.Status;
        var name = relative == "." ? Path.GetFileName(run.Directory) : relative;
        return new DashboardRun("dir:" + relative, name, "dir", null, status, updated, stages, summary.LastEnergy, evaluation, spools.Read(run.Directory));
    }
}
