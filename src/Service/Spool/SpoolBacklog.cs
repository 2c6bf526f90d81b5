namespace Jaqmc.Service;

/// <summary>What a remote writer's spool holds and has not uploaded yet, read from its files.</summary>
/// <param name="Directory">The spool directory.</param>
/// <param name="Records">Records not yet uploaded (those of a segment being uploaded count until it is deleted).</param>
/// <param name="StageChanges">Stage opens and closes not yet applied (a run's and stage's status in the store).</param>
/// <param name="Bytes">Bytes of segment files.</param>
/// <param name="OldestRecord">When the oldest of them was spooled; null when there is none.</param>
public sealed record SpoolBacklog(string Directory, long Records, long StageChanges, long Bytes, DateTimeOffset? OldestRecord)
{
    /// <summary>Reads the spool in <paramref name="directory"/> (an empty backlog when it does not exist).</summary>
    public static SpoolBacklog Read(string directory)
    {
        var scan = Spool.SpoolScan.Read(directory);
        return new SpoolBacklog(directory, scan.Records, scan.StageChanges, scan.Bytes, scan.OldestRecord);
    }

    /// <summary>Whether the spool holds anything the store has not seen yet.</summary>
    public bool IsEmpty => Records == 0 && StageChanges == 0;

    /// <summary>"N record(s) and M stage open/close frame(s)", culture-invariant.</summary>
    public string Describe()
    {
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Records:N0} record(s) and {StageChanges:N0} stage open/close frame(s)");
    }
}
