using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks;

/// <summary>Settings of a writer that writes one file per stage.</summary>
public class FileWriterOptions : WriterOptions
{
    /// <summary>
    /// The file for a stage. Only the field <c>{stage}</c> is expanded; a relative path resolves under the run's
    /// working directory. Each writer states its default.
    /// </summary>
    public string PathTemplate { get; set; } = string.Empty;

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        var problem = StagePath.ValidateTemplate(PathTemplate);
        if (problem is not null)
        {
            yield return Problem(nameof(PathTemplate), problem);
        }
    }
}
