namespace Jaqmc.Service;

/// <summary>What a remote writer's spool holds and has not uploaded yet, read from its files.</summary>
/// <param name="Directory">The spool directory.</param>
/// <param name="Records">Records not yet uploaded (those of a segment being uploaded count until it is deleted).</param>
/// <param name="Bytes">Bytes of segment files.</param>
/// <param name="OldestRecord">When the oldest of them was spooled; null when there is none.</param>
public sealed record SpoolBacklog(string Directory, long Records, long Bytes, DateTimeOffset? OldestRecord)
{
    /// <summary>Reads the spool in <paramref name="directory"/> (an empty backlog when it does not exist).</summary>
    public static SpoolBacklog Read(string directory)
    {
        var scan = Spool.SpoolScan.Read(directory);
        return new SpoolBacklog(directory, scan.Records, scan.Bytes, scan.OldestRecord);
    }
}
