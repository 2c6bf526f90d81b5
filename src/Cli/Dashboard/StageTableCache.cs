using System.Collections.Concurrent;
using System.Diagnostics;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The statistics files of run directories, read once and kept until the file changes (its length or time of last
/// write): polls and curve requests of a run that is not writing read nothing from disk, and a writing run's file
/// is read once per change however many viewers ask. A file being written is read again at most once per twice the
/// time its last read took, so a long run's file (a 1 M-step CSV takes about a second) costs at most a third of a core
/// however often it changes; short files stay live within the poll interval.
/// </summary>
internal sealed class StageTableCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The table of <paramref name="run"/>'s <paramref name="stage"/>, read again only when its file changed.</summary>
    public async Task<StatsTable> ReadAsync(LocalRun run, string stage, CancellationToken cancellationToken)
    {
        var path = run.Stages.TryGetValue(stage, out var s) ? s.CsvPath ?? s.Hdf5Path : null;
        if (path is null)
        {
            return await run.ReadAsync(stage, cancellationToken).ConfigureAwait(false);
        }

        var entry = _entries.GetOrAdd(path, _ => new Entry());
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var info = new FileInfo(path);
            var version = (info.Length, info.LastWriteTimeUtc);
            var now = Stopwatch.GetTimestamp();
            if (entry.Table is null || (entry.Version != version && Stopwatch.GetElapsedTime(entry.ReadAt, now) >= 2 * entry.ReadCost))
            {
                entry.Table = await run.ReadAsync(stage, cancellationToken).ConfigureAwait(false);
                entry.Version = version;
                entry.ReadAt = Stopwatch.GetTimestamp();
                entry.ReadCost = Stopwatch.GetElapsedTime(now, entry.ReadAt);
            }

            return entry.Table;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public StatsTable? Table { get; set; }

        public (long Length, DateTime Written) Version { get; set; }

        public long ReadAt { get; set; }

        public TimeSpan ReadCost { get; set; }
    }
}
