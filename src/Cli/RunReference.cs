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

    private RunReference(string name, LocalRun? local, PostgresRunStore? store, string? file)
    {
        Name = name;
        Local = local;
        _store = store;
        _file = file;
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
            if (await store.FindAsync(run, cancellationToken).ConfigureAwait(false) is null)
            {
                var known = await store.ListAsync(cancellationToken).ConfigureAwait(false);
                throw new CliException($"no run directory or file '{run}', and PostgreSQL has no run of that name (runs: {string.Join(", ", known.Take(10).Select(r => r.Name))})");
            }

            return new RunReference(run, null, store, null);
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

    /// <summary>Reads a stage's statistics (from the named file when one was given).</summary>
    public async Task<StatsTable> ReadAsync(string stage, CancellationToken cancellationToken)
    {
        if (_file is not null)
        {
            return Path.GetExtension(_file) == ".csv"
                ? await CsvStatsReader.ReadAsync(_file, StageOr(stage), cancellationToken).ConfigureAwait(false)
                : LocalRun.ReadHdf5(_file, StageOr(stage));
        }

        return Local is not null
            ? await Local.ReadAsync(stage, cancellationToken).ConfigureAwait(false)
            : await _store!.ReadAsync(Name, stage, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run's summary.</summary>
    public async Task<RunSummary> SummariseAsync(CancellationToken cancellationToken) =>
        Local is not null
            ? await Local.SummariseAsync(Name, cancellationToken).ConfigureAwait(false)
            : (await _store!.FindAsync(Name, cancellationToken).ConfigureAwait(false))!.Value.Run;

    /// <summary>The configuration PostgreSQL recorded for the run (JSON), or null for a local run.</summary>
    public async Task<string?> RecordedConfigurationAsync(CancellationToken cancellationToken) =>
        _store is null ? null : (await _store.FindAsync(Name, cancellationToken).ConfigureAwait(false))?.Config;

    /// <summary>
    /// The run's walker count, for the energy's error band: recorded in PostgreSQL's configuration or in a
    /// checkpoint; null when neither says.
    /// </summary>
    public async Task<int?> WalkersAsync(CancellationToken cancellationToken)
    {
        if (Local?.CheckpointSettings() is { } fromCheckpoint)
        {
            return fromCheckpoint.Walkers;
        }

        if (await RecordedConfigurationAsync(cancellationToken).ConfigureAwait(false) is { } json
            && JsonNode.Parse(json)?["Training"]?["Walkers"]?.GetValue<string>() is { } text
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var walkers))
        {
            return walkers;
        }

        return null;
    }

    public ValueTask DisposeAsync() => _store?.DisposeAsync() ?? ValueTask.CompletedTask;
}
