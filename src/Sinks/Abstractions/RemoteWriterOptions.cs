using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks;

/// <summary>Settings of a writer to a remote store (<see cref="IRemoteStatsWriter"/>): those of every writer, and its spool.</summary>
public class RemoteWriterOptions : WriterOptions
{
    /// <summary>The local spool in front of the store (<c>Writers:&lt;Name&gt;:Spool</c>). Defaults: see <see cref="SpoolOptions"/>.</summary>
    public SpoolOptions Spool { get; set; } = new();

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        foreach (var result in Spool.Validate())
        {
            yield return result;
        }
    }
}
