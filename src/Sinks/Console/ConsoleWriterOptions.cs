using System.ComponentModel.DataAnnotations;

namespace Jaqmc.Sinks.Console;

/// <summary>Settings of the console writer (<c>Writers:Console</c>), JaQMC-compatible.</summary>
public sealed class ConsoleWriterOptions : WriterOptions
{
    /// <summary>Prints a line on every step that is a multiple of this (absolute step, so lines line up across a resume). Default: 1.</summary>
    public int Interval { get; set; } = 1;

    /// <summary>
    /// Comma-separated fields, each <c>[alias=]key[:format]</c>; the last <c>:</c> part is a format only when it
    /// contains a digit, so <c>energy:kinetic</c> stays a key. Formats are Python format specs
    /// <c>[+][width][.precision][type]</c> with type <c>f F e E g G %</c> (<c>.4f</c>, <c>+.2e</c>, <c>.3g</c>,
    /// <c>.1%</c>) and print what Python's <c>format(value, spec)</c> prints, <c>nan</c>, <c>inf</c> and <c>-0.0</c>
    /// included; a width with a leading zero (<c>010.4f</c>) pads with zeros; precision is at most 17 and defaults
    /// to 6; without a type, <c>f</c>. Default format <c>.4f</c>. Default fields: <c>loss</c> (as JaQMC).
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
