using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks.Hdf5;

/// <summary>Settings of the HDF5 writer (<c>Writers:Hdf5</c>).</summary>
/// <remarks>
/// <see cref="WriterOptions.Enabled"/> defaults to <c>true</c>. <see cref="WriterOptions.FlushInterval"/> keeps its
/// default of 1 second: records are buffered in memory and reach the file (and so readers) at each flush, or
/// sooner when <see cref="ChunkSize"/> rows are buffered.
/// </remarks>
public sealed class Hdf5WriterOptions : FileWriterOptions
{
    /// <summary>Creates options with the HDF5 writer's defaults.</summary>
    public Hdf5WriterOptions()
    {
        PathTemplate = "{stage}_stats.h5";
    }

    /// <summary>
    /// Rows per HDF5 chunk of each dataset, and the number of buffered rows that triggers a write to the file
    /// between flushes. Default: 4096 (32 KiB per float64 chunk). Must be greater than 0.
    /// </summary>
    /// <remarks>The file path (inherited <see cref="FileWriterOptions.PathTemplate"/>) defaults to <c>{stage}_stats.h5</c>.</remarks>
    public int ChunkSize { get; set; } = 4096;

    /// <summary>
    /// Whether the file of a stage that completes with fewer than <see cref="ChunkSize"/> rows is rewritten once, as
    /// it closes, with chunks that fit its rows (through a temporary file, fsynced and renamed over the original).
    /// Files are written with whole chunks per dataset, so without it a 300-step stage of 10 keys takes about 0.9 MB
    /// instead of about 40 KB. Interrupted or failed stages are left as they are (a resume rewrites them anyway).
    /// Default: <c>true</c>.
    /// </summary>
    public bool CompactSmallFiles { get; set; } = true;

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (ChunkSize <= 0)
        {
            yield return Problem(nameof(ChunkSize), $"must be greater than 0 (got {ChunkSize})");
        }
    }
}
