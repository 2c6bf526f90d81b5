using System.ComponentModel.DataAnnotations;
using Jaqmc.Sinks;

namespace Jaqmc.Samples.JsonLines;

/// <summary>Settings of the sample JSON Lines writer (<c>Writers:JsonLines</c>).</summary>
public sealed class JsonLinesWriterOptions : FileWriterOptions
{
    /// <summary>Creates the defaults: disabled until configured, <c>{stage}_stats.jsonl</c>.</summary>
    public JsonLinesWriterOptions()
    {
        Enabled = false;
        PathTemplate = "{stage}_stats.jsonl";
    }

    /// <summary>Only these keys are written (comma-separated); empty writes every key. Default: empty.</summary>
    public string Keys { get; set; } = string.Empty;

    /// <inheritdoc />
    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (Keys.Split(',').Any(k => k.Length > 0 && string.IsNullOrWhiteSpace(k)))
        {
            yield return Problem(nameof(Keys), "has a blank key");
        }
    }
}
