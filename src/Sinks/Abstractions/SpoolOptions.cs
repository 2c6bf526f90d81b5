using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Jaqmc.Sinks;

/// <summary>
/// The durable local spool in front of a remote writer (<c>Writers:&lt;Name&gt;:Spool</c>): append-only,
/// checksummed segment files; a flush (and so the flush barrier before a checkpoint) completes when records are
/// fsynced there, and an uploader drains them into the store.
/// </summary>
public sealed class SpoolOptions
{
    /// <summary>
    /// Whether records go through the spool. <c>false</c> writes straight to the store, as before the spool: a
    /// checkpoint then waits for the store, and an outage stops training at the next checkpoint. Default: <c>true</c>.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The spool's directory; relative paths resolve against the run's working directory. Default: empty, meaning
    /// <c>spool/&lt;Name&gt;</c> in the working directory.
    /// </summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>
    /// The most bytes the spool may hold. When a batch would pass it, <c>Pipeline:FullMode</c> decides:
    /// <c>Wait</c> waits for the uploader to free space (and backpressure reaches training), <c>DropNewest</c> and
    /// <c>DropOldest</c> drop the batch (counted and logged), <c>Fail</c> stops the run. Default: 1 GiB.
    /// </summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>
    /// The size at which a segment file is closed and a new one begun; a segment is deleted once everything in it
    /// is uploaded. Default: 16 MiB (at most a quarter of <see cref="MaxBytes"/> is used, so space is freed early).
    /// </summary>
    public long SegmentBytes { get; set; } = 16L << 20;

    /// <summary>The spool directory of writer <paramref name="writerName"/> for a run in <paramref name="workingDirectory"/>.</summary>
    public string ResolveDirectory(string workingDirectory, string writerName) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(Directory) ? Path.Combine("spool", writerName) : Directory, workingDirectory);

    internal IEnumerable<ValidationResult> Validate()
    {
        if (MaxBytes < 64 * 1024)
        {
            yield return new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"must be at least 65536 (got {MaxBytes})"), ["Spool:MaxBytes"]);
        }

        if (SegmentBytes < 4096)
        {
            yield return new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"must be at least 4096 (got {SegmentBytes})"), ["Spool:SegmentBytes"]);
        }
    }
}
