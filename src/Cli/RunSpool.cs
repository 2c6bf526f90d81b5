using System.Globalization;
using Jaqmc.Service;
using Jaqmc.Sinks;
using Microsoft.Extensions.Configuration;

namespace Jaqmc.Cli;

/// <summary>What a run directory's PostgreSQL spool still holds (for <c>jaqmc show</c> and <c>runs</c>).</summary>
internal static class RunSpool
{
    /// <summary>Records in the spool of <paramref name="runDirectory"/> not yet uploaded (0 when there is no spool).</summary>
    public static SpoolBacklog Read(string runDirectory, IConfiguration settings) => SpoolBacklog.Read(Directory(runDirectory, settings));

    /// <summary>Where the PostgreSQL writer of a run in <paramref name="runDirectory"/> spools (<c>Writers:Postgres:Spool:Directory</c>).</summary>
    public static string Directory(string runDirectory, IConfiguration settings) =>
        new SpoolOptions { Directory = settings["Writers:Postgres:Spool:Directory"] ?? string.Empty }.ResolveDirectory(runDirectory, "Postgres");

    /// <summary>One line for a spool that holds records, or null.</summary>
    public static string? Describe(string runDirectory, IConfiguration settings)
    {
        var backlog = Read(runDirectory, settings);
        var oldest = backlog.OldestRecord;
        return backlog.IsEmpty
            ? null
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{backlog.Describe()} ({backlog.Bytes:N0} bytes) spooled and not yet in PostgreSQL, the oldest from {oldest?.ToLocalTime():yyyy-MM-dd HH:mm:ss}; 'jaqmc sync {runDirectory}' uploads them");
    }
}
