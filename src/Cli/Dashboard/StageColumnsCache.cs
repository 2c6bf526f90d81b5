using System.Collections.Concurrent;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The statistics files of run directories as the dashboard reads them, shared by every request and the live poll.
/// A CSV file goes through a <see cref="CsvColumnScanner"/>: the columns asked for, and after the first read only
/// the bytes appended since. A run with only an HDF5 file goes through a <see cref="Hdf5ColumnReader"/>: the columns
/// asked for, and after the first read only the rows written since.
/// </summary>
internal sealed class StageColumnsCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The statistics of <paramref name="run"/>'s <paramref name="stage"/> with at least <paramref name="keys"/> read (those it has).</summary>
    /// <exception cref="CliException">The file cannot be read.</exception>
    public async Task<StageColumns> ReadAsync(LocalRun run, string stage, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var (csv, hdf5) = run.Stages.TryGetValue(stage, out var s) ? (s.CsvPath, s.Hdf5Path) : (null, null);
        var path = csv ?? hdf5;
        if (path is null)
        {
            return StageColumns.Of(await run.ReadAsync(stage, cancellationToken).ConfigureAwait(false));
        }

        var entry = _entries.GetOrAdd(path, p => new Entry(csv is null ? new Hdf5ColumnReader(p).Read : new CsvColumnScanner(p).Read));
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return entry.Read(keys);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}", e);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>One file's reader (a CSV scanner or an HDF5 column reader), used by one request at a time.</summary>
    private sealed class Entry(Func<IReadOnlyCollection<string>, StageColumns> read)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Func<IReadOnlyCollection<string>, StageColumns> Read { get; } = read;
    }
}
