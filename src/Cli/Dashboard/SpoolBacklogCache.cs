using System.Collections.Concurrent;
using Jaqmc.Service;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Cli.Dashboard;

/// <summary>
/// The PostgreSQL spool backlog of run directories, as <c>jaqmc runs</c> and <c>show</c> compute it
/// (<see cref="RunSpool"/>), read again only when the spool's segment files change (their names, lengths or times):
/// the live poll asks every interval, and reading a spool walks every frame.
/// </summary>
internal sealed class SpoolBacklogCache(IConfiguration settings)
{
    private readonly ConcurrentDictionary<string, (string Version, SpoolBacklog Backlog)> _entries = new(StringComparer.Ordinal);

    /// <summary>What the spool of <paramref name="runDirectory"/> holds not yet uploaded; null when it holds nothing.</summary>
    public SpoolBacklog? Read(string runDirectory)
    {
        var directory = RunSpool.Directory(runDirectory, settings);
        if (!System.IO.Directory.Exists(directory))
        {
            _entries.TryRemove(runDirectory, out _);
            return null;
        }

        var version = string.Join('|', new DirectoryInfo(directory).EnumerateFiles().Select(f => FormattableString.Invariant($"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}")).Order(StringComparer.Ordinal));
        if (!_entries.TryGetValue(runDirectory, out var entry) || entry.Version != version)
        {
            entry = (version, SpoolBacklog.Read(directory));
            _entries[runDirectory] = entry;
        }

        return entry.Backlog.IsEmpty ? null : entry.Backlog;
    }
}
