using System.Globalization;
using System.Text.RegularExpressions;
using Jaqmc.Sinks.Hdf5;
using Jaqmc.Training;
using Jaqmc.Training.Checkpoints;

namespace Jaqmc.Cli;

/// <summary>
/// A run in a working directory: its stats files (<c>{stage}_stats.csv|h5</c>) and checkpoints
/// (<c>{stage}_ckpt_NNNNNN</c>), grouped by stage.
/// </summary>
internal sealed partial class LocalRun
{
    private LocalRun(string directory, IReadOnlyDictionary<string, LocalStage> stages)
    {
        Directory = directory;
        Stages = stages;
    }

    /// <summary>The working directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The stages found, by name.</summary>
    public IReadOnlyDictionary<string, LocalStage> Stages { get; }

    /// <summary>Every file of the run: its stages' files and <see cref="RunSettingsFile"/> when present.</summary>
    public IEnumerable<string> Files =>
        Stages.Values.SelectMany(s => s.Files)
            .Concat(File.Exists(RunSettingsFile.PathIn(Directory)) ? [RunSettingsFile.PathIn(Directory)] : [])
            .Order(StringComparer.Ordinal);

    /// <summary>When a file of the run last changed.</summary>
    public DateTimeOffset Updated => Files.Select(f => new DateTimeOffset(File.GetLastWriteTimeUtc(f), TimeSpan.Zero)).DefaultIfEmpty().Max();

    /// <summary>The run in <paramref name="directory"/>, or null when it holds no stats file and no checkpoint.</summary>
    public static LocalRun? TryOpen(string directory)
    {
        var stages = new Dictionary<string, LocalStage>(StringComparer.Ordinal);
        LocalStage For(string stage) => stages.TryGetValue(stage, out var s) ? s : stages[stage] = new LocalStage(stage);

        IEnumerable<string> entries;
        try
        {
            entries = System.IO.Directory.EnumerateFileSystemEntries(directory).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach (var path in entries)
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith("_stats.csv", StringComparison.Ordinal) && File.Exists(path))
            {
                For(name[..^"_stats.csv".Length]).CsvPath = path;
            }
            else if (name.EndsWith("_stats.h5", StringComparison.Ordinal) && File.Exists(path))
            {
                For(name[..^"_stats.h5".Length]).Hdf5Path = path;
            }
            else if (name.EndsWith(Serve.StreamStateFile.Suffix, StringComparison.Ordinal) && File.Exists(path))
            {
                For(name[..^Serve.StreamStateFile.Suffix.Length]).StreamStatePath = path;
            }
            else if (CheckpointName().Match(name) is { Success: true } m)
            {
                For(m.Groups["stage"].Value).Checkpoints.Add((long.Parse(m.Groups["step"].Value, CultureInfo.InvariantCulture), path));
            }
        }

        foreach (var stage in stages.Values)
        {
            stage.Checkpoints.Sort((a, b) => a.Step.CompareTo(b.Step));
        }

        return stages.Count == 0 ? null : new LocalRun(Path.GetFullPath(directory), stages);
    }

    /// <summary>Every run at or below <paramref name="root"/>.</summary>
    public static IEnumerable<LocalRun> Find(string root)
    {
        if (!System.IO.Directory.Exists(root))
        {
            throw new CliException($"no directory {root}");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var directory in new[] { root }.Concat(System.IO.Directory.EnumerateDirectories(root, "*", options)).Order(StringComparer.Ordinal))
        {
            if (TryOpen(directory) is { } run)
            {
                yield return run;
            }
        }
    }

    /// <summary>Reads a stage's statistics from its CSV file, else its HDF5 file.</summary>
    public async Task<StatsTable> ReadAsync(string stage, CancellationToken cancellationToken)
    {
        if (!Stages.TryGetValue(stage, out var s) || (s.CsvPath is null && s.Hdf5Path is null))
        {
            throw new CliException($"{Directory} has no statistics for stage '{stage}' (stages: {string.Join(", ", Stages.Values.Where(x => x.HasStats).Select(x => x.Name))})");
        }

        return s.CsvPath is not null
            ? await CsvStatsReader.ReadAsync(s.CsvPath, stage, cancellationToken).ConfigureAwait(false)
            : ReadHdf5(s.Hdf5Path!, stage);
    }

    /// <summary>Reads an HDF5 statistics file.</summary>
    public static StatsTable ReadHdf5(string path, string stage)
    {
        try
        {
            var data = Hdf5StatsReader.Read(path);
            return new StatsTable(data.Stage ?? stage, data.Steps, data.Columns);
        }
        catch (Exception e) when (IsHdf5ReadFailure(e))
        {
            throw Hdf5ReadError(path, e);
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> is the HDF5 library failing to read a file (a missing libhdf5 included), which the
    /// verbs and the dashboard name in one line with <see cref="Hdf5ReadError"/>.
    /// </summary>
    internal static bool IsHdf5ReadFailure(Exception e) => e is not CliException and not OutOfMemoryException and not OperationCanceledException;

    /// <summary>The one-line error for a statistics file at <paramref name="path"/> that cannot be read.</summary>
    internal static CliException Hdf5ReadError(string path, Exception e) => new($"cannot read {path}: {e.Message}", e);

    /// <summary>The stages in the order they run: <c>train</c>, <c>evaluation</c>, then any other.</summary>
    public IEnumerable<LocalStage> OrderedStages =>
        Stages.Values.OrderBy(s => s.Name switch { "train" => 0, "evaluation" => 1, _ => 2 }).ThenBy(s => s.Name, StringComparer.Ordinal);

    /// <summary>
    /// Summarises the run. Local runs record no status, so it is derived: <c>completed</c> when each configured stage
    /// is checkpointed at its configured last step (see <see cref="CompletedAsync"/>); otherwise <c>interrupted</c>
    /// (running it again resumes from the newest checkpoint).
    /// A run written by <c>jaqmc serve</c> has no checkpoints but a <see cref="Serve.StreamStateFile"/> per stage:
    /// its stages' statuses are read from there, and the run is <c>running</c> while a stream is open, else as its
    /// most recently changed stage ended.
    /// Stage tables come from <paramref name="read"/> when given (the dashboard's cache), else from <see cref="ReadAsync"/>.
    /// </summary>
    public async Task<RunSummary> SummariseAsync(string name, CancellationToken cancellationToken, Func<string, CancellationToken, Task<StatsTable>>? read = null)
    {
        read ??= ReadAsync;
        var stages = new List<StageSummary>();
        foreach (var stage in OrderedStages)
        {
            long? lastStep = stage.Checkpoints.Count > 0 ? stage.Checkpoints[^1].Step : null;
            double? energy = null;
            if (stage.HasStats)
            {
                var table = await read(stage.Name, cancellationToken).ConfigureAwait(false);
                lastStep = table.Count > 0 ? table.Steps[^1] : lastStep;
                energy = table.Last("total_energy")?.Value;
            }

            var status = stage.Checkpoints.Count > 0 && lastStep == stage.Checkpoints[^1].Step ? "checkpointed"
                : stage.StreamStatePath is { } state ? Serve.StreamStateFile.TryReadStatus(state) ?? "unknown"
                : "interrupted";
            stages.Add(new StageSummary(stage.Name, status, lastStep, energy, stage.Checkpoints.Select(c => c.Step).ToList()));
        }

        if (ServedRunStatus(stages) is { } served)
        {
            return new RunSummary(name, "local", served, Updated, stages);
        }

        var completed = await CompletedAsync(stages, cancellationToken).ConfigureAwait(false);
        return new RunSummary(name, "local", completed ? "completed" : "interrupted", Updated, stages);
    }

    private string? ServedRunStatus(List<StageSummary> stages)
    {
        var served = OrderedStages.Zip(stages).Where(s => s.First.StreamStatePath is not null).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        return served.Any(s => s.Second.Status == "running")
            ? "running"
            : served.MaxBy(s => File.GetLastWriteTimeUtc(s.First.StreamStatePath!))!.Second.Status;
    }

    /// <summary>
    /// Whether each stage the run was configured with is checkpointed at its last step: training at
    /// <c>Training:Iterations</c> − 1 and, unless <c>Evaluation:Iterations</c> is 0, the evaluation at
    /// <c>Evaluation:Iterations</c> − 1 (from <see cref="RunSettingsFile"/>; the defaults where it names none). A stop
    /// (Ctrl+C, a NaN) also checkpoints the last step it recorded, so "checkpointed" alone does not mean finished.
    /// Without a readable <see cref="RunSettingsFile"/> the counts are unknown: a checkpointed evaluation is taken as
    /// the end.
    /// </summary>
    private async Task<bool> CompletedAsync(List<StageSummary> stages, CancellationToken cancellationToken)
    {
        if (await ConfiguredIterationsAsync(cancellationToken).ConfigureAwait(false) is not { } iterations)
        {
            return stages.Any(s => s.Name == "evaluation" && s.Status == "checkpointed");
        }

        return EndsAt(stages, "train", iterations.Train)
               && (iterations.Evaluation == 0 || EndsAt(stages, "evaluation", iterations.Evaluation));
    }

    private static bool EndsAt(List<StageSummary> stages, string stage, long iterations) =>
        stages.Any(s => s.Name == stage && s.Status == "checkpointed" && s.LastStep == iterations - 1);

    private async Task<(long Train, long Evaluation)?> ConfiguredIterationsAsync(CancellationToken cancellationToken)
    {
        if (await RunSettingsFile.TryReadAsync(Directory, cancellationToken).ConfigureAwait(false) is not { } json)
        {
            return null;
        }

        Dictionary<string, string> settings;
        try
        {
            settings = RunSettingsFile.Flatten(json, ["Training", "Evaluation"]).ToDictionary(s => s.Key, s => s.Value, StringComparer.OrdinalIgnoreCase);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        long? Count(string key, long fallback) =>
            !settings.TryGetValue(key, out var text) ? fallback
            : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : null;
        return Count("Training:Iterations", new TrainingOptions().Iterations) is { } train
               && Count("Evaluation:Iterations", new EvaluationOptions().Iterations) is { } evaluation
            ? (train, evaluation)
            : null;
    }

    /// <summary>The system and walkers recorded in the newest checkpoint of any stage, if one is readable.</summary>
    public (string System, int Walkers)? CheckpointSettings()
    {
        foreach (var (_, path) in Stages.Values.SelectMany(s => s.Checkpoints).OrderByDescending(c => c.Step))
        {
            try
            {
                var (_, state) = CheckpointSerializer.Deserialize(File.ReadAllBytes(path));
                return (state.SystemName, state.Walkers);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or EndOfStreamException)
            {
                // A damaged or half-written checkpoint says nothing; try an older one.
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<stage>.+)_ckpt_(?<step>\d{6,})$", RegexOptions.CultureInvariant)]
    private static partial Regex CheckpointName();
}
