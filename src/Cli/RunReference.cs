using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Cli;

/// <summary>
/// The run a verb was pointed at: a working directory (or a stats file in one) when such a path exists,
/// otherwise a run name in PostgreSQL.
/// </summary>
internal sealed class RunReference : IAsyncDisposable
{
    private readonly PostgresRunStore? _store;
    private readonly string? _file;
    private StatsTable? _cached;

    // A run in PostgreSQL: its summary and configuration as found when the reference was resolved (one command's view).
    private readonly (RunSummary Run, string? Config)? _found;

    private RunReference(string name, LocalRun? local, PostgresRunStore? store, string? file, (RunSummary Run, string? Config)? found = null)
    {
        Name = name;
        Local = local;
        _store = store;
        _file = file;
        _found = found;
    }

    /// <summary>The run's name (its directory for a local run).</summary>
    public string Name { get; }

    /// <summary>The local run, or null for a PostgreSQL run.</summary>
    public LocalRun? Local { get; }

    /// <summary>The one file the user named (a .csv or .h5), if any.</summary>
    public string? File => _file;

    /// <summary>Resolves <paramref name="run"/>.</summary>
    public static async Task<RunReference> ResolveAsync(string run, string? connection, IConfiguration settings, CancellationToken cancellationToken)
    {
        if (System.IO.File.Exists(run))
        {
            var extension = Path.GetExtension(run);
            if (extension is not (".csv" or ".h5"))
            {
                throw new CliException($"{run} is neither a .csv nor a .h5 statistics file");
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(run))!;
            return new RunReference(directory, LocalRun.TryOpen(directory), null, Path.GetFullPath(run));
        }

        if (Directory.Exists(run))
        {
            return new RunReference(Path.GetFullPath(run), LocalRun.TryOpen(run) ?? throw new CliException($"{run} holds no statistics files and no checkpoints"), null, null);
        }

        var store = PostgresRunStore.TryCreate(connection, settings)
            ?? throw new CliException($"no run directory or file '{run}' (for a run in PostgreSQL, give --connection or set ConnectionStrings:Stats)");
        try
        {
            if (await store.FindAsync(run, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                var known = await store.ListAsync(cancellationToken).ConfigureAwait(false);
                throw new CliException($"no run directory or file '{run}', and PostgreSQL has no run of that name (runs: {string.Join(", ", known.Take(10).Select(r => r.Name))})");
            }

            return new RunReference(run, null, store, null, found);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The stage of the named file, or <paramref name="fallback"/>.</summary>
    public string StageOr(string fallback)
    {
        if (_file is null)
        {
            return fallback;
        }

        var name = Path.GetFileNameWithoutExtension(_file);
        return name.EndsWith("_stats", StringComparison.Ordinal) ? name[..^"_stats".Length] : fallback;
    }

    /// <summary>
    /// The reader of a stage of a run in PostgreSQL, or null for a local run (read it whole with
    /// <see cref="ReadAsync"/>).
    /// </summary>
    public PostgresStageReader? PostgresStage(string stage) => _store is null ? null : new PostgresStageReader(_store, Name, stage);

    /// <summary>Reads a local stage's statistics whole (from the named file when one was given).</summary>
    public async Task<StatsTable> ReadAsync(string stage, CancellationToken cancellationToken)
    {
        if (_cached is { } cached && cached.Stage == stage)
        {
            return cached;
        }

        if (_file is not null)
        {
            return _cached = Path.GetExtension(_file) == ".csv"
                ? await CsvStatsReader.ReadAsync(_file, StageOr(stage), cancellationToken).ConfigureAwait(false)
                : LocalRun.ReadHdf5(_file, StageOr(stage));
        }

        return _cached = Local is not null
            ? await Local.ReadAsync(stage, cancellationToken).ConfigureAwait(false)
            : throw new InvalidOperationException("a run in PostgreSQL is read through PostgresStage");
    }

    /// <summary>A stage's extent and each key's latest value; null when it has no statistics.</summary>
    public async Task<StageOverview?> OverviewAsync(string stage, CancellationToken cancellationToken)
    {
        if (_store is not null)
        {
            return await _store.OverviewAsync(Name, stage, cancellationToken).ConfigureAwait(false);
        }

        StatsTable table;
        try
        {
            table = await ReadAsync(stage, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException)
        {
            return null;
        }

        var latest = table.Keys.Select(k => table.Last(k) is { } last ? new LatestValue(k, last.Step, last.Value) : null).OfType<LatestValue>().ToList();
        return new StageOverview(table.Stage, Invariant($"{table.Count} steps"), latest);
    }

    /// <summary>Every value of <paramref name="key"/> in the stage, in step order (empty when it has none).</summary>
    public async Task<double[]> ValuesAsync(string stage, string key, CancellationToken cancellationToken)
    {
        if (PostgresStage(stage) is { } reader)
        {
            return await reader.ValuesAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var table = await ReadAsync(stage, cancellationToken).ConfigureAwait(false);
        return table.Columns.TryGetValue(key, out var values) ? values : [];
    }

    /// <summary>
    /// The curve of <paramref name="key"/> from <paramref name="fromStep"/> on: from PostgreSQL in about
    /// <paramref name="points"/> buckets, from a file one value per step.
    /// </summary>
    public async Task<StageCurve> CurveAsync(string stage, string key, long fromStep, int points, CancellationToken cancellationToken)
    {
        if (PostgresStage(stage) is not { } reader)
        {
            return StageCurve.FromTable(await ReadAsync(stage, cancellationToken).ConfigureAwait(false), key, fromStep);
        }

        if (await reader.CurveAsync(key, fromStep, points, cancellationToken).ConfigureAwait(false) is { } curve)
        {
            return curve;
        }

        var keys = await reader.KeysAsync(cancellationToken).ConfigureAwait(false);
        throw new CliException(keys.Count == 0
            ? $"PostgreSQL has no statistics for run '{Name}', stage '{stage}'"
            : $"stage '{stage}' has no '{key}' values at or after step {fromStep} (keys: {string.Join(", ", keys.Select(k => k.Name))})");
    }

    /// <summary>The run's summary.</summary>
    public async Task<RunSummary> SummariseAsync(CancellationToken cancellationToken) =>
        Local is not null
            ? await Local.SummariseAsync(Name, cancellationToken).ConfigureAwait(false)
            : _found?.Run ?? throw new InvalidOperationException("a statistics file outside a run directory has no run summary");

    /// <summary>The configuration PostgreSQL recorded for the run (JSON), or null for a local run.</summary>
    public string? RecordedConfiguration => _found?.Config;

    /// <summary>
    /// The run's walker count, for the energy's error band: recorded in PostgreSQL's configuration or in a
    /// checkpoint; null when neither says.
    /// </summary>
    public int? Walkers()
    {
        if (Local?.CheckpointSettings() is { } fromCheckpoint)
        {
            return fromCheckpoint.Walkers;
        }

        if (RecordedConfiguration is { } json
            && JsonNode.Parse(json)?["Training"]?["Walkers"]?.GetValue<string>() is { } text
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var walkers))
        {
            return walkers;
        }

        return null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public ValueTask DisposeAsync() => _store?.DisposeAsync() ?? ValueTask.CompletedTask;
}
