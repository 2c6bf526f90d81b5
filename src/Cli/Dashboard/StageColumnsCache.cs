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

        var entry = _entries.GetOrAdd(path, p => csv is null ? new Entry(null, new Hdf5ColumnReader(p)) : new Entry(new CsvColumnScanner(p), null));
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (entry.Csv is { } scanner)
            {
                return scanner.Read(keys);
            }

            return entry.Hdf5!.Read(keys);
        }
        // The HDF5 library's failures (a missing libhdf5 included) are named as LocalRun.ReadHdf5 names them.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || (entry.Hdf5 is not null && e is not CliException and not OutOfMemoryException and not OperationCanceledException))
        {
            throw new CliException($"cannot read {path}: {e.Message}", e);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed class Entry(CsvColumnScanner? csv, Hdf5ColumnReader? hdf5)
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CsvColumnScanner? Csv { get; } = csv;

        public Hdf5ColumnReader? Hdf5 { get; } = hdf5;
    }
}
