using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks.Console;

/// <summary>Settings of the console writer (<c>Writers:Console</c>), JaQMC-compatible.</summary>
public sealed class ConsoleWriterOptions : WriterOptions
{
    /// <summary>Prints a line on every step that is a multiple of this (absolute step, so lines line up across a resume). Default: 1.</summary>
    public int Interval { get; set; } = 1;

    /// <summary>
    /// Comma-separated fields, each <c>[alias=]key[:format]</c>; the last <c>:</c> part is a format only when it
    /// contains a digit, so <c>energy:kinetic</c> stays a key. Formats are Python-style (<c>.4f</c>, <c>+.2e</c>,
    /// <c>.1%</c>); default <c>.4f</c>. Default fields: <c>loss</c> (as JaQMC).
    /// </summary>
    public string Fields { get; set; } = "loss";

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (Interval <= 0)
        {
            yield return Problem(nameof(Interval), $"must be greater than 0 (got {Interval})");
        }

        string? problem = null;
        try
        {
            ConsoleFieldSpec.ParseList(Fields);
        }
        catch (FormatException e)
        {
            problem = e.Message;
        }

        if (problem is not null)
        {
            yield return Problem(nameof(Fields), problem);
        }
    }
}
