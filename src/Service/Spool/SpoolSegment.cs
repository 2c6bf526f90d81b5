using System.Globalization;

namespace Jaqmc.Service.Spool;

/// <summary>One segment file of a spool: its number, the bytes whole frames occupy, and whether it is still appended to.</summary>
internal sealed class SpoolSegment(long sequence, string path)
{
    public const string Extension = ".seg";

    public long Sequence { get; } = sequence;

    public string Path { get; } = path;

    /// <summary>The end of the last whole frame (the uploader reads up to here).</summary>
    public long Length { get; set; }

    /// <summary>The file's size on disk (with a torn tail, if any).</summary>
    public long FileBytes { get; set; }

    /// <summary>Records in the segment's frames.</summary>
    public long Records { get; set; }

    /// <summary>No frame will be appended any more: once read to <see cref="Length"/>, it can be deleted.</summary>
    public bool Sealed { get; set; }

    public static string FileName(long sequence) => sequence.ToString("D12", CultureInfo.InvariantCulture) + Extension;

    public static bool TryParse(string path, out long sequence) =>
        long.TryParse(System.IO.Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
        && string.Equals(System.IO.Path.GetExtension(path), Extension, StringComparison.Ordinal);
}
