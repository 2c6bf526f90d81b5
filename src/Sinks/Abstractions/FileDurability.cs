using System.Globalization;
using System.Runtime.InteropServices;

namespace Jaqmc.Sinks;

/// <summary>
/// How the file writers make a file durable and replace or set aside a file: fsync for a file and for its
/// directory (so a rename inside it survives a power loss), one durable rename, and one naming for a file set
/// aside (<c>{file}.{why}-{yyyyMMddTHHmmssZ}-{6 hex}</c>), shared by CSV and HDF5.
/// </summary>
internal static partial class FileDurability
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux

    /// <summary>Writes the file's data and metadata to the device (<c>fsync</c>).</summary>
    public static void Sync(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Best effort: fsyncs a directory on Linux so a rename in it is durable; elsewhere (or if the file system
    /// refuses) does nothing, since a SIGKILL never loses what reached the kernel anyway.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            var fd = Open(directory, ReadOnlyDirectory);
            if (fd >= 0)
            {
                _ = Fsync(fd);
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    /// <summary>Replaces <paramref name="destination"/> with <paramref name="source"/> so that a crash at any moment leaves one of the two whole.</summary>
    public static void ReplaceDurably(string source, string destination)
    {
        Sync(source);
        File.Move(source, destination, overwrite: true);
        SyncDirectory(DirectoryOf(destination));
    }

    /// <summary>
    /// Replaces <paramref name="destination"/> with <paramref name="source"/> by one atomic rename, which a kill
    /// cannot tear, without the fsyncs of <see cref="ReplaceDurably"/>: for a destination that holds nothing worth
    /// them (no row its stage keeps), where a power loss can cost only the rows it would cost an append made in place, which is
    /// not fsynced either. Two fsyncs per stage start are what a busy disk makes slow.
    /// </summary>
    public static void Replace(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <summary>Renames a file the writer will not use out of the way (never deleting it) and returns its new name.</summary>
    /// <param name="path">The file.</param>
    /// <param name="why">A word for the name: <c>foreign</c>, <c>corrupt</c>, ...</param>
    /// <param name="now">The time the name carries.</param>
    public static string SetAside(string path, string why, DateTimeOffset now)
    {
        var aside = SetAsideName(path, why, now);
        File.Move(path, aside);
        SyncDirectory(DirectoryOf(path));
        return aside;
    }

    /// <summary>Copies a file out of the way (the original stays in use) and returns the copy's name.</summary>
    public static string CopyAside(string path, string why, DateTimeOffset now)
    {
        var aside = SetAsideName(path, why, now);
        File.Copy(path, aside);
        Sync(aside);
        SyncDirectory(DirectoryOf(path));
        return aside;
    }

    /// <summary>The name a file set aside gets: unique, sorted by time, saying why.</summary>
    public static string SetAsideName(string path, string why, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"{path}.{why}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..6]}");

    private static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path))!;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
